// Quick replies: the account's saved answers. The Owner, Administrators and Chat Managers add,
// edit and delete them; a Chat Operator reads them here and inserts them with / in a chat.
import { api } from "./api.js";
import { boot } from "./boot.js";
import { announce, el, show } from "./dom.js";
import { errorText, t } from "./i18n.js";

const main = document.getElementById("main");
const status = el("p", { class: "status", role: "status", "aria-live": "polite", id: "qr-status" });
const FIELDS = ["{{first_name}}", "{{last_name}}", "{{name}}", "{{phone}}", "{{email}}"];

function replyForm(existing, onDone) {
  const prefix = existing ? `qr-${existing.id}` : "qr-new";
  const title = el("input", { id: `${prefix}-title`, name: "title", required: true, maxlength: 60,
    value: existing?.title ?? "", autocomplete: "off" });
  const text = el("textarea", { id: `${prefix}-text`, name: "text", required: true, maxlength: 4096, rows: 4,
    "aria-describedby": `${prefix}-help` }, existing?.text ?? "");
  const formStatus = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const save = el("button", { type: "submit", class: "primary" }, existing ? t("common.save") : t("quick_replies.add"));
  const form = el("form", { class: existing ? "form-stack" : "card form-stack", id: existing ? `${prefix}-form` : "qr-add",
    novalidate: true },
  existing ? null : el("h2", {}, t("quick_replies.add_title")),
  el("label", { for: title.id }, t("quick_replies.title")), title,
  el("label", { for: text.id }, t("quick_replies.text")), text,
  el("p", { class: "muted", id: `${prefix}-help` }, t("quick_replies.fields_help"), " ",
    FIELDS.map((f) => el("code", {}, f)).flatMap((c) => [c, " "])),
  formStatus,
  el("div", { class: "actions" }, save, existing ? el("button", { type: "button", onclick: () => onDone(false) },
    t("common.cancel")) : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!title.value.trim() || !text.value.trim()) {
      announce(formStatus, t("quick_replies.required"), "error");
      (title.value.trim() ? text : title).focus();
      return;
    }
    save.disabled = true;
    try {
      const body = { title: title.value, text: text.value };
      if (existing) await api("PATCH", `/web/api/quick_replies/${existing.id}/`, body);
      else await api("POST", "/web/api/quick_replies/", body);
      await onDone(true, body.title.trim());
    } catch (error) {
      announce(formStatus, errorText(error), "error");
      title.focus();
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function replyCard(reply) {
  const card = el("article", { class: "card quick-reply", "data-quick-reply-id": reply.id });
  const view = () => {
    const parts = [el("h3", { text: reply.title }), el("p", { class: "prewrap", text: reply.text })];
    if (boot.canManage) {
      const edit = el("button", { type: "button", "aria-label": t("quick_replies.edit_named", { title: reply.title }) },
        t("quick_replies.edit"));
      const remove = el("button", { type: "button", class: "danger",
        "aria-label": t("quick_replies.delete_named", { title: reply.title }) }, t("quick_replies.delete"));
      edit.addEventListener("click", () => {
        show(card, replyForm(reply, async (saved, title) => {
          if (saved) {
            await load();
            announce(status, t("quick_replies.saved", { title }), "success");
          } else {
            view();
            edit.focus();
          }
        }));
        card.querySelector("input").focus();
      });
      remove.addEventListener("click", async () => {
        if (!window.confirm(t("quick_replies.confirm_delete", { title: reply.title }))) return;
        try {
          await api("DELETE", `/web/api/quick_replies/${reply.id}/`);
          await load();
          announce(status, t("quick_replies.deleted", { title: reply.title }), "success");
        } catch (error) {
          announce(status, errorText(error), "error");
        }
      });
      parts.push(el("div", { class: "actions" }, edit, remove));
    }
    show(card, ...parts);
  };
  view();
  return card;
}

async function load() {
  const head = [el("h1", {}, t("nav.quick_replies")), el("p", { class: "muted" }, t("quick_replies.intro")), status];
  try {
    const page = await api("GET", "/web/api/quick_replies/?page_size=100");
    const list = page.results.length
      ? el("div", { class: "cards", id: "quick-replies" }, page.results.map(replyCard))
      : el("p", { class: "empty", id: "quick-replies-empty" },
        t(boot.canManage ? "quick_replies.empty" : "quick_replies.empty_read_only"));
    show(main, ...head, list, boot.canManage
      ? replyForm(null, async (_, title) => {
        await load();
        announce(status, t("quick_replies.added", { title }), "success");
      })
      : el("p", { class: "muted" }, t("quick_replies.read_only")));
  } catch (error) {
    show(main, ...head, el("p", { class: "alert", role: "alert" }, errorText(error)),
      el("button", { type: "button", onclick: load }, t("common.retry")));
  }
}

load();
