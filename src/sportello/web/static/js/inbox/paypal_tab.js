// The chat footer's PayPal tab: an approved payment template, an amount in a currency (with that
// currency's decimals: JPY has none), a description, a preview of the exact message, and send.
import { announce, el, show } from "../dom.js";
import { errorText, language, t } from "../i18n.js";
import { call } from "./session.js";
import { renderPreview } from "./template_preview.js";

const AMOUNT = /^\d{1,9}([.,]\d+)?$/;
const MAX_AMOUNT = 1000000;

// The amount as the message will show it: the server writes `12,50 EUR` in Italian and Spanish,
// `EUR 12.50` in English (sportello/payments/amounts.py).
export function customerAmount(value, currency, decimals, templateLanguage) {
  const fixed = Number(value).toFixed(decimals);
  const [whole, fraction] = fixed.split(".");
  const latin = /^(it|es)/.test(templateLanguage);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, latin ? "." : ",");
  const number = fraction ? `${grouped}${latin ? "," : "."}${fraction}` : grouped;
  return latin ? `${number} ${currency}` : `${currency} ${number}`;
}

// The same checks as the server's, in the agent's language, before anything is sent.
export function amountError(raw, decimals) {
  const text = raw.trim();
  if (text.startsWith("-") && AMOUNT.test(text.slice(1).trim())) return "error.amount_not_positive";
  if (!AMOUNT.test(text)) return "error.amount_not_a_number";
  const [, fraction = ""] = text.replace(",", ".").split(".");
  const value = Number(text.replace(",", "."));
  if (fraction.replace(/0+$/, "").length > decimals) return decimals ? "paypal.too_many_decimals" : "paypal.no_decimals";
  if (!(value > 0)) return "error.amount_not_positive";
  if (value > MAX_AMOUNT) return "error.amount_too_large";
  return null;
}

// The tab's panel (the composer makes it, and loads this module when the tab is first chosen).
export function paypalPanel({ chatUuid, settings, status, onSent, panel }) {
  let loaded = false;
  const load = async () => {
    if (loaded) return;
    loaded = true;
    try {
      const page = await call("GET", "/web/api/templates/?page_size=100");
      const payment = page.results.filter((x) => x.status === "approved" && x.subcategory === "payment_request");
      show(panel, payment.length ? form(payment)
        : el("p", { class: "empty", id: "no-payment-templates" }, t("paypal.no_templates")));
    } catch (error) {
      loaded = false;
      show(panel, el("p", { class: "alert", role: "alert" }, errorText(error)));
    }
  };

  const form = (templates) => {
    const decimalsOf = (code) => settings.currencies.find((c) => c.code === code)?.decimals ?? 2;
    // The template in the page's language first: the agent usually writes in it.
    const inPageLanguage = (x) => x.language.split("_")[0] === language;
    templates = [...templates.filter(inPageLanguage), ...templates.filter((x) => !inPageLanguage(x))];
    const preferred = templates[0];
    const choose = el("select", { id: "paypal-template" },
      templates.map((x) => el("option", { value: String(x.id), selected: x === preferred }, `${x.name} (${x.language})`)));
    const amount = el("input", { id: "paypal-amount", inputmode: "decimal", autocomplete: "off", required: true,
      maxlength: 20, placeholder: "12.50", "aria-describedby": "paypal-amount-error paypal-amount-shown" });
    const currency = el("select", { id: "paypal-currency-choice" },
      settings.currencies.map((c) => el("option", { value: c.code }, c.code)));
    const description = el("input", { id: "paypal-description", maxlength: 127, autocomplete: "off" });
    const amountError_ = el("p", { class: "field-error", id: "paypal-amount-error", role: "alert" });
    const shown = el("p", { class: "muted small", id: "paypal-amount-shown" });
    const preview = el("div", { class: "template-preview-box", "aria-live": "polite", id: "paypal-preview" });
    const send = el("button", { type: "submit", class: "primary", id: "paypal-send" }, t("paypal.send"));
    const current = () => templates.find((x) => String(x.id) === choose.value);
    const redraw = () => {
      const decimals = decimalsOf(currency.value);
      const problem = amount.value.trim() ? amountError(amount.value, decimals) : null;
      amountError_.textContent = problem ? t(problem, { currency: currency.value, decimals }) : "";
      amount.setAttribute("aria-invalid", String(Boolean(problem)));
      const value = Number(amount.value.replace(",", "."));
      const valid = amount.value.trim() && !problem;
      shown.textContent = valid ? new Intl.NumberFormat(language, { style: "currency", currency: currency.value,
        minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value) : "";
      show(preview, renderPreview(current().content, {
        SPOKI_PAYMENT_REQUEST_AMOUNT: valid ? customerAmount(value, currency.value, decimals, current().language) : "",
        SPOKI_PAYMENT_REQUEST_LINK: `${location.origin}/pay/…`,
        SPOKI_PAYMENT_REQUEST_DESCRIPTION: description.value.trim(),
      }));
      return !problem;
    };
    for (const input of [choose, amount, currency, description]) input.addEventListener("input", redraw);
    const field = (id, label, input) => el("div", { class: "field" }, el("label", { for: id }, label), input);
    const formEl = el("form", { class: "template-form paypal-form", novalidate: true },
      field("paypal-template", t("paypal.template"), choose),
      el("div", { class: "paypal-amount-row" }, field("paypal-amount", t("paypal.amount"), amount),
        field("paypal-currency-choice", t("paypal.currency"), currency)),
      amountError_, shown,
      field("paypal-description", t("paypal.description"), description),
      el("p", { class: "muted small" }, t("paypal.preview")), preview, el("div", { class: "send-row" }, send));
    formEl.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!amount.value.trim()) amountError_.textContent = t("error.amount_not_a_number");
      if (!amount.value.trim() || !redraw()) {
        amount.focus();
        return;
      }
      send.disabled = true;
      try {
        await call("POST", `/web/api/chats/${chatUuid}/payment_requests/`, { template: Number(choose.value),
          amount: amount.value.trim(), currency: currency.value, description: description.value.trim() });
        amount.value = "";
        description.value = "";
        redraw();
        announce(status, t("paypal.sent"), "success");
        onSent();
      } catch (error) {
        announce(status, errorText(error), "error");
      } finally {
        send.disabled = false;
      }
    });
    redraw();
    return formEl;
  };
  return { panel, load };
}
