// An approved template to send: a choice of template, a field per `%%CODE%%` placeholder and a
// live preview of the message. The chat's Templates tab and "New chat" both use it.
import { el, show } from "../dom.js";
import { t } from "../i18n.js";
import { placeholdersOf, renderPreview } from "./template_preview.js";

// Templates a chat may send as they are: approved, and not payment templates, whose amount and
// link only the PayPal tab fills (checked amount, tracked link); the server refuses them here.
export function plainTemplates(templates) {
  return templates.filter((x) => x.status === "approved" && x.subcategory !== "payment_request");
}

// The contact's detail a placeholder asks for, by its code (`%%NAME%%`, `%%CUSTOMER_NAME%%`,
// `%%EMAIL%%`, `%%TELEFONO%%`…) or, for a code that says nothing, by its example (an email address,
// a phone number with its +). A shop's or a product's name is not the customer's: only these codes count.
const FIRST = /^((CUSTOMER|CLIENT|CONTACT)_?)?(FIRST_?)?NAME$|^NOME(_?CLIENTE)?$|^NOMBRE(_?CLIENTE)?$/;
const LAST = /^(LAST_?NAME|SURNAME|COGNOME|APELLIDOS?)$/;
const FULL = /^(FULL_?NAME|NOME_?COMPLETO|NOMBRE_?COMPLETO)$/;
const EMAIL = /(^|_)E?_?MAIL($|_)|^CORREO/;
const PHONE = /(^|_)(PHONE|TEL|TELEFONO|CELLULARE|CELL|MOBILE|MOVIL|WHATSAPP)($|_)/;
const LOOKS_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const LOOKS_PHONE = /^\+\d[\d\s().-]{6,}$/;

export function contactValue(code, example, contact) {
  if (!contact) return "";
  const hint = String(example || "").trim();
  if (FIRST.test(code)) return contact.first_name;
  if (LAST.test(code)) return contact.last_name;
  if (FULL.test(code)) return `${contact.first_name} ${contact.last_name}`.trim();
  if (EMAIL.test(code) || LOOKS_EMAIL.test(hint)) return contact.email;
  if (PHONE.test(code) || LOOKS_PHONE.test(hint)) return contact.phone;
  return "";
}

// `contact()`: the chat's customer now, whose details fill the placeholders they fit (editable).
export function templateFields(templates, { selectId, fieldPrefix, contact = () => null }) {
  const choose = el("select", { id: selectId, required: true },
    templates.length
      ? templates.map((x) => el("option", { value: String(x.id) }, `${x.name} (${x.language})`))
      : el("option", { value: "" }, t("composer.no_templates")));
  const fields = el("div", { class: "template-fields" });
  const preview = el("div", { class: "template-preview-box", "aria-live": "polite" });
  const values = {};
  const current = () => templates.find((x) => String(x.id) === choose.value);
  const redraw = () => show(preview, current() ? renderPreview(current().content, values) : null);
  // A new choice starts afresh: each template has its own placeholders, those the contact fits filled.
  const reset = () => {
    for (const key of Object.keys(values)) delete values[key];
    show(fields, current() ? placeholdersOf(current().content).map((code) => {
      const id = `${fieldPrefix}${code}`;
      const known = contactValue(code, current().content.examples?.[code], contact()) || "";
      const input = el("input", { id, required: true, maxlength: 1024, "data-code": code, value: known || null,
        "data-from-contact": known ? "true" : null });
      if (known) values[code] = known;
      input.addEventListener("input", () => { values[code] = input.value; redraw(); });
      return el("div", { class: "field" }, el("label", { for: id }, code), input);
    }) : []);
    redraw();
  };
  choose.addEventListener("change", reset);
  reset();
  return {
    choose,
    fields,
    preview,
    reset,
    chosen: () => ({ template: Number(choose.value), custom_fields: { ...values } }),
  };
}
