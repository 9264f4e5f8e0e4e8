// Integrations / API: request an API key with a motivation, see its state, edit its allowed
// origins, and (the Owner) revoke it. A new key is shown once.
import { api } from "./api.js";
import { boot } from "./boot.js";
import { secretField } from "./copy.js";
import { announce, el, show } from "./dom.js";
import { errorText, formatDate, t } from "./i18n.js";
import { paypalCard } from "./paypal_settings.js";
import { readReceiptsCard } from "./read_receipts_settings.js";
import { whatsappCard } from "./whatsapp_settings.js";

const main = document.getElementById("main");
const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
let justCreated = null;

const originsText = (origins) => origins.join("\n");
const originsList = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

function requestForm() {
  const motivation = el("textarea", { id: "motivation", name: "motivation", rows: 4, required: true, minlength: 20,
    maxlength: 2000, "aria-describedby": "motivation-help" });
  const counter = el("span", { id: "motivation-count", class: "muted" }, "0 / 2000");
  motivation.addEventListener("input", () => { counter.textContent = `${motivation.value.trim().length} / 2000`; });
  const origins = el("textarea", { id: "origins", name: "origins", rows: 2, "aria-describedby": "origins-help",
    placeholder: "https://crm.example.com" });
  const formStatus = el("p", { class: "status", role: "status", "aria-live": "polite", id: "request-key-status" });
  const form = el("form", { class: "card form-stack", id: "request-key", novalidate: true },
    el("h2", {}, t("keys.request_title")),
    el("label", { for: "motivation" }, t("keys.motivation")),
    motivation,
    el("p", { id: "motivation-help", class: "muted" }, t("keys.motivation_help"), " ", counter),
    el("label", { for: "origins" }, t("keys.allowed_origins")),
    origins,
    el("p", { id: "origins-help", class: "muted" }, t("keys.origins_help")),
    formStatus,
    el("div", {}, el("button", { type: "submit", class: "primary" }, t("keys.request"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      justCreated = await api("POST", "/web/api/api-keys/", {
        motivation: motivation.value, allowed_origins: originsList(origins.value),
      });
      await load();
      announce(status, t("keys.requested"), "success");
    } catch (error) {
      announce(formStatus, errorText(error), "error");
      motivation.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function createdPanel(key) {
  return el("section", { class: "card once", id: "new-key", "aria-labelledby": "new-key-title" },
    el("h2", { id: "new-key-title" }, t("keys.save_now_title")),
    el("p", {}, t("keys.save_now")),
    secretField("new-key-value", t("keys.api_key"), key.api_key),
    el("p", { class: "muted" }, t("keys.pending_note")),
  );
}

function keyCard(key) {
  const state = el("span", { class: `badge badge-${key.status}` }, t(`keys.status.${key.status}`));
  const card = el("article", { class: "card key", "data-key-id": key.id },
    el("h3", {}, el("code", {}, `${key.prefix}…`), " ", state),
    el("p", { class: "muted" }, t("keys.requested_on", { date: formatDate(key.created_at), email: key.requester_email })),
    el("p", { class: "prewrap" }, key.motivation),
  );
  if (key.status === "pending") card.append(el("p", { class: "note" }, t("keys.pending_note")));
  if (key.status === "rejected") card.append(el("p", { class: "alert" }, t("keys.rejected_reason", { reason: key.decision_reason || "" })));
  if (key.status === "revoked") return card;

  const id = `origins-${key.id}`;
  const origins = el("textarea", { id, rows: 2 }, originsText(key.allowed_origins));
  const save = el("button", { type: "button" }, t("common.save"));
  save.addEventListener("click", async () => {
    try {
      await api("PATCH", `/web/api/api-keys/${key.id}/`, { allowed_origins: originsList(origins.value) });
      await load();
      announce(status, t("keys.origins_saved"), "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    }
  });
  const actions = el("div", { class: "actions" }, save);
  card.append(el("label", { for: id }, t("keys.allowed_origins")), origins, actions);
  if (!key.allowed_origins.length) card.append(el("p", { class: "warning", role: "note" }, t("keys.any_origin_warning")));
  if (boot.me.role === "Owner") {
    const revoke = el("button", { type: "button", class: "danger" }, t("keys.revoke"));
    revoke.addEventListener("click", async () => {
      if (!window.confirm(t("keys.confirm_revoke", { prefix: key.prefix }))) return;
      try {
        await api("POST", `/web/api/api-keys/${key.id}/revoke/`);
        await load();
        announce(status, t("keys.revoked"), "success");
      } catch (error) {
        announce(status, errorText(error), "error");
      }
    });
    actions.append(revoke);
  }
  return card;
}

async function load() {
  if (!boot.canManage) {
    show(main, el("h1", {}, t("nav.integrations")), el("p", { class: "muted" }, t("keys.read_only")));
    return;
  }
  try {
    const keys = await api("GET", "/web/api/api-keys/");
    show(main, 
      el("h1", {}, t("nav.integrations")),
      status,
      await whatsappCard(),
      justCreated ? createdPanel(justCreated) : null,
      el("h2", {}, t("keys.title")),
      keys.length ? el("div", { class: "cards" }, keys.map(keyCard)) : el("p", { class: "empty" }, t("keys.empty")),
      requestForm(),
      await paypalCard(),
      await readReceiptsCard(),
    );
    justCreated = null;
  } catch (error) {
    show(main, el("h1", {}, t("nav.integrations")), el("p", { class: "alert", role: "alert" }, errorText(error)),
      el("button", { type: "button", onclick: load }, t("common.retry")));
  }
}

load();
