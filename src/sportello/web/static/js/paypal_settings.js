// Integrations / PayPal: the email that receives payments, the default currency, on and off.
// Turning it on the first time also requests the default payment template (it, en, es) from Meta.
import { api } from "./api.js";
import { announce, el } from "./dom.js";
import { errorText, t } from "./i18n.js";

export async function paypalCard() {
  const status = el("p", { class: "status", role: "status", "aria-live": "polite", id: "paypal-status" });
  const card = el("section", { class: "card form-stack", id: "paypal", "aria-labelledby": "paypal-title" });
  let current;
  try {
    current = await api("GET", "/web/api/paypal/");
  } catch (error) {
    card.append(el("h2", { id: "paypal-title" }, "PayPal"), el("p", { class: "alert", role: "alert" }, errorText(error)));
    return card;
  }
  const email = el("input", { id: "paypal-email", type: "email", required: true, maxlength: 254, value: current.email,
    autocomplete: "email", "aria-describedby": "paypal-help" });
  const currency = el("select", { id: "paypal-currency" },
    current.currencies.map((c) => el("option", { value: c.code, selected: c.code === current.default_currency }, c.code)));
  const save = el("button", { type: "submit", class: "primary", id: "paypal-save" },
    current.enabled ? t("paypal.save") : t("paypal.enable"));
  const off = el("button", { type: "button", class: "danger", id: "paypal-disable", hidden: !current.enabled },
    t("paypal.disable"));
  const state = el("span", { class: `badge ${current.enabled ? "badge-approved" : ""}`, id: "paypal-state" },
    current.enabled ? t("paypal.on") : t("paypal.off"));
  const form = el("form", { class: "form-stack", novalidate: true },
    el("label", { for: "paypal-email" }, t("paypal.email")), email,
    el("p", { class: "muted", id: "paypal-help" }, t("paypal.help")),
    el("label", { for: "paypal-currency" }, t("paypal.default_currency")), currency,
    status, el("div", { class: "actions" }, save, off));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!email.checkValidity()) {
      announce(status, t("paypal.email_invalid"), "error");
      email.focus();
      return;
    }
    save.disabled = true;
    try {
      const saved = await api("PUT", "/web/api/paypal/", { email: email.value.trim(), default_currency: currency.value });
      state.textContent = t("paypal.on");
      state.className = "badge badge-approved";
      save.textContent = t("paypal.save");
      off.hidden = false;
      announce(status, saved.notice ? t("paypal.enabled_with_notice", { notice: saved.notice }) : t("paypal.enabled"),
        saved.notice ? "error" : "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    } finally {
      save.disabled = false;
    }
  });
  off.addEventListener("click", async () => {
    try {
      await api("DELETE", "/web/api/paypal/");
      state.textContent = t("paypal.off");
      state.className = "badge";
      save.textContent = t("paypal.enable");
      off.hidden = true;
      announce(status, t("paypal.disabled"), "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    }
  });
  card.append(el("h2", { id: "paypal-title" }, "PayPal ", state), el("p", {}, t("paypal.intro")), form);
  return card;
}
