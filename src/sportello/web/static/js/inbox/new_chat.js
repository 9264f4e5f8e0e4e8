// "New chat": a phone number and an approved template (the customer has not written, so only a
// template may open the conversation).
import { el, show } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { call, pageUrl } from "./session.js";
import { placeholdersOf, renderPreview } from "./template_preview.js";

export async function openNewChat() {
  const alert = el("p", { class: "alert", role: "alert", hidden: true, id: "new-chat-error" });
  const phone = el("input", { id: "new-phone", type: "tel", required: true, maxlength: 40, autocomplete: "off",
    placeholder: "+39 333 123 4567" });
  const choose = el("select", { id: "new-template", required: true });
  const fields = el("div", { class: "template-fields" });
  const preview = el("div", { class: "template-preview-box" });
  const values = {};
  const send = el("button", { type: "submit", class: "primary" }, t("composer.send_template"));
  const cancel = el("button", { type: "button" }, t("common.cancel"));
  const form = el("form", { class: "dialog-body" },
    el("h2", { id: "new-chat-title" }, t("chats.new_chat")),
    el("label", { for: "new-phone" }, t("contact.phone")), phone,
    el("label", { for: "new-template" }, t("composer.choose_template")), choose, fields, preview, alert,
    el("div", { class: "actions" }, send, cancel));
  const dialog = el("dialog", { class: "card", "aria-labelledby": "new-chat-title", id: "new-chat-dialog" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  phone.focus();
  let approved = [];
  try {
    approved = (await call("GET", "/web/api/templates/?page_size=100")).results.filter((x) => x.status === "approved");
  } catch (error) {
    alert.hidden = false;
    alert.textContent = errorText(error);
  }
  if (!approved.length) {
    show(choose, el("option", { value: "" }, t("composer.no_templates")));
    send.disabled = true;
  } else {
    show(choose, approved.map((x) => el("option", { value: String(x.id) }, `${x.name} (${x.language})`)));
  }
  const current = () => approved.find((x) => String(x.id) === choose.value);
  const build = () => {
    for (const key of Object.keys(values)) delete values[key];
    if (!current()) return;
    show(fields, placeholdersOf(current().content).map((code) => {
      const input = el("input", { id: `new-field-${code}`, required: true, maxlength: 1024 });
      input.addEventListener("input", () => { values[code] = input.value; show(preview, renderPreview(current().content, values)); });
      return el("div", { class: "field" }, el("label", { for: `new-field-${code}` }, code), input);
    }));
    show(preview, renderPreview(current().content, values));
  };
  choose.addEventListener("change", build);
  build();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    alert.hidden = true;
    try {
      const opened = await call("POST", "/web/api/chats/new/", {
        phone: phone.value, template: Number(choose.value), custom_fields: { ...values } });
      location.assign(pageUrl(`/chats/${opened.chat_uuid}`));
    } catch (error) {
      alert.hidden = false;
      alert.textContent = errorText(error);
      send.disabled = false;
    }
  });
}
