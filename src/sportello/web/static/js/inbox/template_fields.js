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

export function templateFields(templates, { selectId, fieldPrefix }) {
  const choose = el("select", { id: selectId, required: true },
    templates.length
      ? templates.map((x) => el("option", { value: String(x.id) }, `${x.name} (${x.language})`))
      : el("option", { value: "" }, t("composer.no_templates")));
  const fields = el("div", { class: "template-fields" });
  const preview = el("div", { class: "template-preview-box", "aria-live": "polite" });
  const values = {};
  const current = () => templates.find((x) => String(x.id) === choose.value);
  const redraw = () => show(preview, current() ? renderPreview(current().content, values) : null);
  // A new choice starts with empty fields: each template has its own placeholders.
  const reset = () => {
    for (const key of Object.keys(values)) delete values[key];
    show(fields, current() ? placeholdersOf(current().content).map((code) => {
      const id = `${fieldPrefix}${code}`;
      const input = el("input", { id, required: true, maxlength: 1024, "data-code": code });
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
