// The customer's phone: shows the conversation with the business and sends what the customer does.
const number = decodeURIComponent(location.pathname.split("/").pop());
const list = document.getElementById("messages");
const params = new URLSearchParams(location.search);
const phoneNumberId = params.get("phone_number_id");
const name = params.get("name") || "Customer";
// The page may be opened by phone, BSUID or username: the header says who the customer is.
document.getElementById("me").textContent = /^\+?\d+$/.test(number) ? "+" + number.replace(/\D/g, "") : number;
let seen = "";

async function say(body) {
  const response = await fetch("/_emulator/say", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ from: number, name, phone_number_id: phoneNumberId, ...body }),
  });
  if (!response.ok) alert(`Not sent: ${(await response.json()).detail}`);
  await refresh();
}

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function choices(message) {
  const box = el("div", { class: "choices" });
  const payload = message.payload || {};
  const interactive = payload.interactive || {};
  if (interactive.type === "button") {
    for (const b of interactive.action.buttons) {
      const button = el("button", { type: "button", "data-reply-id": b.reply.id }, b.reply.title);
      button.addEventListener("click", () =>
        say({ type: "interactive", reply_kind: "button_reply", reply_id: b.reply.id, reply_title: b.reply.title, context: message.wamid }));
      box.append(button);
    }
  }
  if (interactive.type === "list") {
    for (const section of interactive.action.sections) {
      for (const row of section.rows) {
        const button = el("button", { type: "button", "data-reply-id": row.id }, row.title);
        button.addEventListener("click", () =>
          say({ type: "interactive", reply_kind: "list_reply", reply_id: row.id, reply_title: row.title, context: message.wamid }));
        box.append(button);
      }
    }
  }
  // A template's buttons as the emulator rendered them: a quick reply answers with its payload,
  // a link shows the address the customer would open.
  for (const b of message.buttons || []) {
    if (b.type === "QUICK_REPLY") {
      const button = el("button", { type: "button", "data-payload": b.payload }, b.text);
      button.addEventListener("click", () => say({ type: "button", text: b.text, payload: b.payload, context: message.wamid }));
      box.append(button);
    } else if (b.type === "URL") {
      box.append(el("a", { class: "link", href: b.url, target: "_blank", rel: "noopener noreferrer", "data-url": b.url }, b.text));
    } else {
      box.append(el("span", { class: "link" }, `${b.text} ${b.phone_number || ""}`.trim()));
    }
  }
  return box.childElementCount ? box : null;
}

// Icons as inline SVG: a phone without an emoji font shows them too.
const PIN = '<path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z"/><circle cx="12" cy="9.5" r="2.5"/>';
const PICTURE = '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="1.5"/><path d="M21 16l-5-5-9 8"/>';
const TICKS = '<path d="M2 12.5l4.5 4.5L16 7.5"/><path d="M10 16l1 1L21 7.5"/>';

function icon(shapes) {
  const svg = new DOMParser().parseFromString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="1em"
    height="1em" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"
    aria-hidden="true" focusable="false">${shapes}</svg>`, "image/svg+xml").documentElement;
  return document.importNode(svg, true);
}

function render(data) {
  document.getElementById("business").textContent = data.business.name;
  const me = data.customer || {};
  if (me.username) document.getElementById("me").textContent = `@${me.username}`;
  // A username user can share their number with the business (the answer to a contact request).
  document.getElementById("share-phone").hidden = !me.hide_phone;
  const items = data.messages.map((m) => {
    const item = el("li", { class: `msg ${m.direction}`, "data-wamid": m.wamid, "data-type": m.type });
    const payload = m.payload || {};
    let text = m.text;
    if (m.type === "location") text = `${payload.name || "Location"} (${payload.latitude}, ${payload.longitude})`;
    if (m.type === "image") text = payload.caption || "picture";
    if (m.type === "location" || m.type === "image") item.append(icon(m.type === "location" ? PIN : PICTURE), " ");
    item.append(el("span", { class: "text" }, text));
    const extra = m.direction === "out" ? choices(m) : null;
    if (extra) item.append(extra);
    const meta = el("span", { class: "meta" }, new Date(m.at * 1000).toLocaleTimeString() + (m.status ? ` · ${m.status}` : ""));
    if (m.direction === "in") {
      // The customer's own messages: two grey ticks once the business has them, blue once it read them.
      const read = m.status === "read";
      item.dataset.status = read ? "read" : "delivered";
      meta.append(" ", el("span", { class: `ticks${read ? " read" : ""}`, "aria-label": read ? "Read" : "Delivered", role: "img" }));
      meta.lastChild.append(icon(TICKS));
    }
    item.append(meta);
    return item;
  });
  list.replaceChildren(...items);
  list.scrollTop = list.scrollHeight;
  // Meta's typing indicator: shown until the business answers or for up to 25 seconds.
  document.getElementById("typing").hidden = !data.typing;
}

async function refresh() {
  const query = phoneNumberId ? `?phone_number_id=${encodeURIComponent(phoneNumberId)}` : "";
  const response = await fetch(`/_emulator/conversations/${encodeURIComponent(number)}${query}`);
  if (!response.ok) return;
  const data = await response.json();
  const key = JSON.stringify([data.customer, data.typing, data.messages.map((m) => [m.wamid, m.status])]);
  if (key !== seen) {
    seen = key;
    render(data);
  }
}

document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  await say({ type: "text", text });
});

document.getElementById("file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const query = phoneNumberId ? `?phone_number_id=${encodeURIComponent(phoneNumberId)}` : "";
  const response = await fetch(`/_emulator/customer_media${query}`, { method: "POST", body: form });
  const data = await response.json();
  if (!response.ok) return alert(data.detail);
  await say({ type: file.type.startsWith("image/") ? "image" : "document", media_id: data.media_id, caption: file.name });
});

document.getElementById("location").addEventListener("click", () =>
  say({ type: "location", latitude: 45.4642, longitude: 9.19, location_name: "Piazza del Duomo, Milano" }));

document.getElementById("share-phone").addEventListener("click", () =>
  say({ type: "contacts", share_phone: true }));

refresh();
setInterval(refresh, 1000);
