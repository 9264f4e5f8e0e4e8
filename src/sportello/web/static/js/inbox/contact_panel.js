// The chat page's contact panel: the customer's name, email, language, tags (picked from the
// account's or made new) and the team's note, edited in place and saved at once; the chat's payment
// requests below. The chat page gives it its <aside> and tells it when the chat changes.
import { announce, el, show } from "../dom.js";
import { icon } from "../icons.js";
import { errorText, language, t } from "../i18n.js";
import { paymentCard } from "./message_view.js";
import { call } from "./session.js";

// The languages the panel offers: Sportello's own, then whatever the contact already has.
const OFFERED = ["it", "en", "es"];
const languageName = (() => {
  try {
    const names = new Intl.DisplayNames([language], { type: "language" });
    return (code) => names.of(code.replace("_", "-")) || code;
  } catch {
    return (code) => code;
  }
})();

export function contactPanel({ panel, chatUuid, status, onClose, onSaved }) {
  let contact = null;
  let payments = [];
  let tags = []; // the tags being edited
  let known = []; // the account's tags, for picking
  let dirty = false;
  let loading = null;

  const field = (id, label, input) => el("div", { class: "field" }, el("label", { for: id }, label), input);
  const firstName = el("input", { id: "contact-first-name", maxlength: 100, autocomplete: "off" });
  const lastName = el("input", { id: "contact-last-name", maxlength: 100, autocomplete: "off" });
  const email = el("input", { id: "contact-email", type: "email", maxlength: 254, autocomplete: "off" });
  const languageChoice = el("select", { id: "contact-language" });
  const chips = el("ul", { class: "tag-chips", id: "contact-tags", "aria-label": t("contact.tags") });
  const tagChoices = el("datalist", { id: "contact-tag-choices" });
  const newTag = el("input", { id: "contact-new-tag", list: "contact-tag-choices", maxlength: 100, autocomplete: "off" });
  const addTag = el("button", { type: "button", id: "contact-add-tag" }, t("contact.add_tag"));
  const note = el("textarea", { id: "contact-note", rows: 3, maxlength: 4000 });
  const problem = el("p", { class: "field-error", id: "contact-error", role: "alert" });
  const save = el("button", { type: "submit", class: "primary", id: "contact-save" }, t("contact.save"));
  const facts = el("dl", { class: "contact-facts" });
  const paymentList = el("div", { class: "contact-payments", id: "contact-payments" });
  const form = el("form", { class: "contact-form", id: "contact-form", novalidate: true },
    field("contact-first-name", t("contact.first_name"), firstName),
    field("contact-last-name", t("contact.last_name"), lastName),
    field("contact-email", t("contact.email"), email),
    field("contact-language", t("contact.language"), languageChoice),
    el("div", { class: "field" }, el("span", { class: "label", id: "contact-tags-label" }, t("contact.tags")), chips,
      el("div", { class: "tag-adder" }, el("label", { class: "visually-hidden", for: "contact-new-tag" },
        t("contact.new_tag")), newTag, addTag), tagChoices),
    field("contact-note", t("contact.note"), note),
    el("p", { class: "muted small", id: "contact-note-help" }, t("contact.note_help")),
    problem, el("div", { class: "send-row" }, save));
  note.setAttribute("aria-describedby", "contact-note-help");
  const close = el("button", { type: "button", class: "icon-button panel-close", id: "close-contact",
    "aria-label": t("common.close"), title: t("common.close"), onclick: onClose }, icon("close"));

  form.addEventListener("input", () => { dirty = true; });
  function drawChips() {
    show(chips, tags.map((name) => el("li", { class: "tag chip" }, el("span", { text: `#${name}` }),
      el("button", { type: "button", class: "chip-remove", "aria-label": t("contact.remove_tag", { tag: name }),
        title: t("contact.remove_tag", { tag: name }), onclick: () => {
          tags = tags.filter((x) => x !== name);
          dirty = true;
          drawChips();
          newTag.focus();
        } }, icon("close")))));
    show(tagChoices, known.filter((x) => !tags.includes(x)).map((x) => el("option", { value: x })));
  }
  function takeTag() {
    const name = newTag.value.trim().replace(/^#+/, "").trim();
    if (name && !tags.includes(name)) tags = [...tags, name];
    newTag.value = "";
    dirty = true;
    drawChips();
  }
  addTag.addEventListener("click", takeTag);
  newTag.addEventListener("keydown", (event) => {
    // Enter takes the tag, not the form: one more tag is the usual next step.
    if (event.key === "Enter") {
      event.preventDefault();
      takeTag();
    }
  });

  function fill() {
    firstName.value = contact.first_name;
    lastName.value = contact.last_name;
    email.value = contact.email;
    const codes = [...new Set(["", ...OFFERED, contact.language].filter((x) => x !== undefined))];
    show(languageChoice, codes.map((code) => el("option", { value: code, selected: code === contact.language },
      code ? languageName(code) : t("contact.no_language"))));
    note.value = contact.note;
    tags = [...contact.tag_set];
    drawChips();
    const row = (label, value) => value ? [el("dt", {}, label), el("dd", { text: value })] : [];
    show(facts, row(t("contact.phone"), contact.phone), row(t("contact.username"),
      contact.username ? `@${contact.username}` : ""),
    row(t("contact.operators"), contact.role_set.map((o) => o.name).join(", ")));
    show(paymentList, payments.length
      ? el("ul", { class: "payment-list" }, payments.map((p) => el("li", {}, paymentCard(p),
        el("p", { class: "muted small", text: p.sender ? `${p.sender} · ${formatDay(p.created_datetime)}`
          : formatDay(p.created_datetime) }))))
      : el("p", { class: "muted small", id: "contact-no-payments" }, t("contact.no_payments")));
    dirty = false;
  }

  async function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const [found, requests, filters] = await Promise.all([
          call("GET", `/web/api/chats/${chatUuid}/contact/`),
          call("GET", `/web/api/chats/${chatUuid}/payment_requests/`).catch(() => []),
          call("GET", "/web/api/chats/filters/").catch(() => ({ tags: [] })),
        ]);
        contact = found;
        payments = [...requests].sort((a, b) => (a.created_datetime < b.created_datetime ? 1 : -1));
        known = filters.tags;
        fill();
      } catch (error) {
        problem.textContent = errorText(error);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (newTag.value.trim()) takeTag();
    problem.textContent = "";
    save.disabled = true;
    try {
      contact = await call("PATCH", `/web/api/chats/${chatUuid}/contact/`, {
        first_name: firstName.value, last_name: lastName.value, email: email.value,
        language: languageChoice.value, tags, note: note.value });
      known = [...new Set([...known, ...contact.tag_set])].sort();
      fill();
      announce(status, t("contact.saved"), "success");
      onSaved(contact);
    } catch (error) {
      problem.textContent = errorText(error);
      (error.code === "invalid_email" ? email : error.code === "note_too_long" ? note
        : error.code?.includes("tag") ? newTag : error.code === "invalid_language" ? languageChoice : firstName).focus();
    } finally {
      save.disabled = false;
    }
  });

  show(panel, el("div", { class: "panel-head" }, el("h2", {}, t("chat.contact")), close), facts, form,
    el("h3", { class: "panel-section" }, t("contact.payments")), paymentList);

  return {
    // Opened: what the server has now.
    open: load,
    // The chat changed (a live event, a payment): shown again, unless the agent is in the middle of an edit.
    changed() {
      if (!panel.hidden && !dirty) load();
    },
  };
}

function formatDay(value) {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
