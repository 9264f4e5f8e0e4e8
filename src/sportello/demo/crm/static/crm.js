// The Demo CRM's page. The backend holds every secret: this page asks it for a fresh token each
// time it opens the iframe, and only ever sees {token, uid}.
import { readEvent, summarize } from "./events.js";

const appUrl = document.body.dataset.appUrl;
const appOrigin = document.body.dataset.appOrigin;
const MAX_LOG_ENTRIES = 200;

const $ = (id) => document.getElementById(id);
const options = $("frame-options");
const embedding = $("sportello-embedding");
const panelTitle = $("panel-title");
const customersStatus = $("customers-status");
const badge = $("unread-badge");
const eventLog = $("event-log");

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

async function askBackend(path, init = {}) {
  const response = await fetch(path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `The CRM's backend answered ${response.status}.`);
  return body;
}

// The toggles chosen here go to the backend, which binds them to the token as its ceiling, and
// into the address, as the guide writes them.
function toggles() {
  const chosen = {};
  for (const toggle of options.querySelectorAll("input[type=checkbox]")) chosen[toggle.name] = toggle.checked;
  return chosen;
}

function frameUrl(pageSlug, { token, uid }) {
  const url = new URL(`${appUrl}/${pageSlug}`);
  url.searchParams.set("auth_token", token);
  url.searchParams.set("auth_uid", uid);
  url.searchParams.set("language", options.elements.language.value);
  for (const toggle of options.querySelectorAll("input[type=checkbox]")) {
    if (!toggle.checked) url.searchParams.set(toggle.name, "false");
  }
  return url.href;
}

// A new iframe each time: the token is single-use, and the old frame's session should go with it.
async function openInFrame(pageSlug, title) {
  panelTitle.textContent = title;
  embedding.replaceChildren(el("p", { class: "muted", text: "Signing in…" }));
  try {
    const minted = await askBackend("/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ uid: options.elements["service-user"].value, ...toggles() }),
    });
    embedding.replaceChildren(el("iframe", { src: frameUrl(pageSlug, minted), title }));
  } catch (error) {
    embedding.replaceChildren(el("p", { class: "alert", role: "alert", text: error.message }));
  }
}

function customerRow(customer) {
  const open = () => openInFrame(`chats/${customer.chat_uuid}`, `Chat with ${customer.name}`);
  return el(
    "tr",
    {},
    el("td", {}, el("button", { type: "button", class: "link", onclick: open, text: customer.name })),
    el("td", { text: customer.phone }),
  );
}

async function loadCustomers() {
  customersStatus.textContent = "Loading customers…";
  try {
    const { count, customers } = await askBackend("/customers");
    $("customer-rows").replaceChildren(...customers.map(customerRow));
    customersStatus.textContent =
      count === 0
        ? "No customers yet: they appear when they write on WhatsApp."
        : count > customers.length
          ? `The first ${customers.length} of ${count} customers.`
          : "";
  } catch (error) {
    customersStatus.textContent = error.message;
  }
}

function logEvent(eventType, data) {
  const entry = el(
    "li",
    {},
    el("time", { text: new Date().toLocaleTimeString() }),
    " ",
    el("code", { text: eventType }),
    " ",
    el("span", { text: summarize(eventType, data) }),
  );
  eventLog.prepend(entry);
  while (eventLog.children.length > MAX_LOG_ENTRIES) eventLog.lastElementChild.remove();
}

window.addEventListener("message", (event) => {
  const received = readEvent(event, appOrigin);
  if (!received) return;
  if (received.eventType === "hasUnreadChatsChanged") badge.hidden = !received.data?.hasUnreadChats;
  logEvent(received.eventType, received.data);
});

$("open-inbox").addEventListener("click", () => openInFrame("chats", "Inbox"));
$("open-templates").addEventListener("click", () => openInFrame("templates", "Templates"));
$("reload-customers").addEventListener("click", loadCustomers);
$("clear-log").addEventListener("click", () => eventLog.replaceChildren());
loadCustomers();
