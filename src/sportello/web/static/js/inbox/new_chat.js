// "New chat": a phone number and an approved template (the customer has not written, so only a
// template may open the conversation).
import { el, show } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { call, pageUrl } from "./session.js";
import { plainTemplates, templateFields } from "./template_fields.js";

export async function openNewChat() {
  const alert = el("p", { class: "alert", role: "alert", hidden: true, id: "new-chat-error" });
  const phone = el("input", { id: "new-phone", type: "tel", required: true, maxlength: 40, autocomplete: "off",
    placeholder: "+39 333 123 4567" });
  const chooser = el("div", { class: "template-form" }, el("p", { class: "muted" }, t("common.loading")));
  const send = el("button", { type: "submit", class: "primary", disabled: true }, t("composer.send_template"));
  const cancel = el("button", { type: "button" }, t("common.cancel"));
  const form = el("form", { class: "dialog-body" },
    el("h2", { id: "new-chat-title" }, t("chats.new_chat")),
    el("label", { for: "new-phone" }, t("contact.phone")), phone, chooser, alert,
    el("div", { class: "actions" }, send, cancel));
  const dialog = el("dialog", { class: "card", "aria-labelledby": "new-chat-title", id: "new-chat-dialog" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  phone.focus();
  let approved = [];
  try {
    approved = plainTemplates((await call("GET", "/web/api/templates/?page_size=100")).results);
  } catch (error) {
    alert.hidden = false;
    alert.textContent = errorText(error);
  }
  const picked = templateFields(approved, { selectId: "new-template", fieldPrefix: "new-field-" });
  show(chooser, el("label", { for: "new-template" }, t("composer.choose_template")), picked.choose, picked.fields,
    picked.preview);
  send.disabled = !approved.length;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    alert.hidden = true;
    try {
      const opened = await call("POST", "/web/api/chats/new/", { phone: phone.value, ...picked.chosen() });
      location.assign(pageUrl(`/chats/${opened.chat_uuid}`));
    } catch (error) {
      alert.hidden = false;
      alert.textContent = errorText(error);
      send.disabled = false;
    }
  });
}
