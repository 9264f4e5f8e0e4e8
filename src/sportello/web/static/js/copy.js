// A secret shown once: a read-only field with a copy button.
import { el } from "./dom.js";
import { t } from "./i18n.js";

export function secretField(id, label, value) {
  const input = el("input", { id, value, readonly: true, class: "secret", spellcheck: "false" });
  const button = el("button", { type: "button", "aria-label": t("common.copy_named", { name: label }) }, t("common.copy"));
  button.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      document.execCommand("copy");
    }
    button.textContent = t("common.copied");
  });
  return el("div", { class: "field" }, el("label", { for: id }, label), el("div", { class: "secret-row" }, input, button));
}
