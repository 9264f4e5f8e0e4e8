// Integrations / WhatsApp: connect a number (ids and secrets from Meta's app dashboard), show the
// Callback URL and Verify token to paste there, and Test connection: Meta's own answer for the
// number (its verified name and quality). Secrets are sent once and never shown back.
import { api } from "./api.js";
import { secretField } from "./copy.js";
import { announce, el } from "./dom.js";
import { errorText, t } from "./i18n.js";

const QUALITY = { GREEN: "badge-approved", YELLOW: "badge-pending", RED: "badge-rejected" };

function checked(result, info) {
  result.replaceChildren(
    el("p", {}, el("strong", { text: info.verified_name }), " · ", el("span", { text: info.display_phone_number })),
    el("p", {}, t("number.quality"), " ",
      el("span", { class: `badge ${QUALITY[info.quality_rating] || ""}`, id: "number-quality" },
        QUALITY[info.quality_rating] ? t(`number.quality_${info.quality_rating}`) : info.quality_rating)));
}

async function test(status, result, body, button) {
  button.disabled = true;
  announce(status, t("number.testing"));
  result.replaceChildren();
  try {
    checked(result, await api("POST", "/web/api/whatsapp/test/", body));
    announce(status, t("number.test_ok"), "success");
  } catch (error) {
    announce(status, errorText(error), "error");
  } finally {
    button.disabled = false;
  }
}

function field(id, label, attributes) {
  return el("div", { class: "field" }, el("label", { for: id }, label),
    el("input", { id, name: id.replace("wa-", "").replaceAll("-", "_"), required: true, autocomplete: "off",
      spellcheck: "false", ...attributes }));
}

export async function whatsappCard() {
  const card = el("section", { class: "card form-stack", id: "whatsapp", "aria-labelledby": "whatsapp-title" },
    el("h2", { id: "whatsapp-title" }, t("number.title")));
  let setup;
  try {
    setup = await api("GET", "/web/api/whatsapp/");
  } catch (error) {
    card.append(el("p", { class: "alert", role: "alert" }, errorText(error)));
    return card;
  }
  const status = el("p", { class: "status", role: "status", "aria-live": "polite", id: "number-status" });
  const result = el("div", { id: "number-result", "aria-live": "polite" });
  for (const number of setup.numbers) {
    const again = el("button", { type: "button", "data-test-number": number.phone_number_id }, t("number.test"));
    again.addEventListener("click", () => test(status, result, { phone_number_id: number.phone_number_id }, again));
    card.append(el("div", { class: "connected-number" },
      el("p", {}, el("span", { class: "badge badge-approved" }, t("number.connected")), " ",
        el("span", { text: number.display_phone_number || number.phone_number_id })),
      el("p", { class: "muted small", text: t("number.ids", { phone: number.phone_number_id, waba: number.waba_id }) }),
      again));
  }
  card.append(el("p", { class: "muted" }, setup.connected ? t("number.update_help") : t("number.connect_help")),
    secretField("wa-webhook-url", t("number.webhook_url"), setup.webhook_url),
    setup.verify_token ? secretField("wa-verify-token", t("number.verify_token"), setup.verify_token)
      : el("p", { class: "warning", role: "note" }, t("number.verify_token_missing")));

  const fields = [
    field("wa-phone-number-id", t("number.phone_number_id"), { inputmode: "numeric", maxlength: 64 }),
    field("wa-waba-id", t("number.waba_id"), { inputmode: "numeric", maxlength: 64 }),
    field("wa-access-token", t("number.access_token"), { type: "password", maxlength: 1000 }),
    field("wa-app-secret", t("number.app_secret"), { type: "password", maxlength: 500 }),
  ];
  const value = (id) => card.querySelector(`#${id}`)?.value.trim() ?? "";
  const testButton = el("button", { type: "button", id: "number-test" }, t("number.test"));
  const connect = el("button", { type: "submit", class: "primary", id: "number-connect" }, t("number.connect"));
  const form = el("form", { class: "form-grid", id: "number-form", novalidate: true }, fields,
    el("div", { class: "actions" }, testButton, connect));
  card.append(form, status, result);
  testButton.addEventListener("click", () => {
    if (!value("wa-phone-number-id")) {
      announce(status, t("number.id_required"), "error");
      card.querySelector("#wa-phone-number-id").focus();
      return;
    }
    test(status, result, { phone_number_id: value("wa-phone-number-id"), access_token: value("wa-access-token") },
      testButton);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = fields.map((f) => f.querySelector("input")).find((input) => !input.value.trim());
    if (missing) {
      announce(status, t("number.all_required"), "error");
      missing.focus();
      return;
    }
    connect.disabled = true;
    try {
      await api("POST", "/web/api/whatsapp/numbers/", {
        phone_number_id: value("wa-phone-number-id"), waba_id: value("wa-waba-id"),
        access_token: value("wa-access-token"), app_secret: value("wa-app-secret"),
      });
      const fresh = await whatsappCard();
      card.replaceWith(fresh);
      document.getElementById("no-number")?.remove();
      announce(fresh.querySelector("#number-status"), t("number.saved"), "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    } finally {
      connect.disabled = false;
    }
  });
  return card;
}
