// {APP}/chats/<uuid>: one conversation. Older pages load on scroll; new messages, ticks and
// assignments arrive live; the host is told `chatMessagesChanged` on first data and every change.
import { boot } from "../boot.js";
import { announce, el, show } from "../dom.js";
import { icon } from "../icons.js";
import { errorText, t } from "../i18n.js";
import { composer } from "./composer.js";
import { dayKey, formatDayLabel, formatDuration } from "./format.js";
import { emitSoon } from "./host.js";
import { KeyedNodes, reconcile } from "./keyed.js";
import { LIVE_STATE_EVENT, throttled } from "./live.js";
import { announce as announceAloud } from "./announcer.js";
import { isShown, messageSummary, renderMessage } from "./message_view.js";
import { call, pageUrl } from "./session.js";
import { startPage } from "./shell.js";
import { searchInChat } from "./search_in_chat.js";
import { toastRegion } from "./toast.js";
import { applyUnreadDelta, setUnreadChats } from "./unread.js";

const PAGE_SIZE = 30;
const uuid = boot.chatUuid;
const messages = new Map(); // uuid → message, every loaded one
let payments = new Map(); // message uuid → its payment request
let chat = null;
let olderCursor = null; // `next` of the oldest page loaded
let pagesLoaded = 0;
let viewer = null;
// New messages are announced through #announcer (announceArrivals), not by the list redrawn whole.
const list = el("ol", { class: "messages", id: "messages", "aria-label": t("chat.messages") });
const scroller = el("div", { class: "scroller", tabindex: "0", "aria-label": t("chat.history") });
const olderButton = el("button", { type: "button", class: "older", id: "load-older", hidden: true }, t("chat.load_older"));
const headBox = el("div", { class: "chat-head" });
const windowLine = el("p", { class: "window", id: "window-state", role: "status" });
const status = toastRegion("chat-status");
const jump = el("button", { type: "button", class: "jump", id: "jump-to-new", hidden: true }, t("chat.new_messages"), " ",
  icon("down"));
const panel = el("aside", { class: "contact-panel", id: "contact-panel", hidden: true, "aria-label": t("chat.contact"),
  tabindex: "-1" });

const finder = searchInChat({ chatUuid: uuid, onPick: (found) => jumpToMessage(found),
  returnFocus: () => document.getElementById("chat-menu")?.focus() });

// A username user may come without a phone: their name, else their WhatsApp username.
const contactName = (c) => `${c.first_name} ${c.last_name}`.trim() || (c.username ? `@${c.username}` : "") || c.phone;
// Oldest first; messages of the same instant keep the order they came in.
const byTime = (a, b) => (a.created_datetime < b.created_datetime ? -1 : a.created_datetime > b.created_datetime ? 1 : 0);
const oldestFirst = () => [...messages.values()].sort(byTime);
const newestFirst = () => oldestFirst().reverse();

// ---- The message list: drawn from `messages`, each message's node kept while it is unchanged, so
// a loaded picture stays loaded and the reader's place stays where it was.
const messageNodes = new KeyedNodes((message, payment) => renderMessage(message, {
  canRetry: viewer.permissions.can_reply_in_chat, canAct: viewer.permissions.can_reply_in_chat, onRetry: retry, payment }));
const dayNodes = new KeyedNodes((label) => el("li", { class: "day", role: "separator" }, label));
const emptyNode = el("li", { class: "empty", id: "chat-empty" }, t("chat.empty"));
let shownNewest = null;

function renderList() {
  const items = [];
  const keys = new Set();
  const days = new Set();
  let day = null;
  for (const message of oldestFirst().filter(isShown)) {
    const key = dayKey(message.created_datetime);
    if (key !== day) {
      day = key;
      days.add(key);
      items.push(dayNodes.node(key, formatDayLabel(message.created_datetime)));
    }
    keys.add(message.uuid);
    items.push(messageNodes.node(message.uuid, message, payments.get(message.uuid) ?? null));
  }
  messageNodes.keepOnly(keys);
  dayNodes.keepOnly(days);
  if (!items.length) items.push(emptyNode);
  reconcile(list, items);
  olderButton.hidden = !olderCursor;
  const newest = newestFirst()[0]?.uuid ?? null;
  if (pinned) stickToBottom();
  // Someone reading older messages is not yanked down: they are told something new arrived.
  else if (shownNewest && newest !== shownNewest) jump.hidden = false;
  shownNewest = newest;
}

// ---- Where the reader is. The chat opens at its newest message and stays there while pictures
// load and messages arrive (`pinned`); scrolling up unpins it, coming back to the bottom pins it.
// Only a move up unpins: content growing below never does, nor a scroll this page made.
let pinned = true;
let lastTop = 0;
const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;

let holding = null; // a message found by search, kept in view while the list settles

function centre(node) {
  const offset = node.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  scroller.scrollTop += offset - Math.max(0, (scroller.clientHeight - node.offsetHeight) / 2);
  lastTop = scroller.scrollTop;
}

function stickToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  lastTop = scroller.scrollTop;
}

function followTheReader() {
  scroller.addEventListener("scroll", () => {
    const top = scroller.scrollTop;
    if (nearBottom()) {
      pinned = true;
      jump.hidden = true;
    } else if (top < lastTop - 1) {
      pinned = false;
      holding = null;
    }
    lastTop = top;
  });
  // A picture that loads, a footer that grows: the newest message stays in sight.
  const keep = new ResizeObserver(() => {
    if (pinned) stickToBottom();
    else if (holding) centre(holding);
  });
  keep.observe(list);
  keep.observe(scroller);
}

// A message found by search (or named by the chat list's `?message=`): the history around it is
// loaded, then forward to what the page holds so the list has no gap (up to 2,000 messages: past
// that the gap stays); it is brought into view, marked and focused.
async function jumpToMessage(messageUuid) {
  try {
    if (!messages.has(messageUuid)) {
      const history = `/web/api/chats/${uuid}/messages/`;
      const page = await call("GET", `${history}?page_size=${PAGE_SIZE}&around=${messageUuid}`);
      for (const message of page.results) messages.set(message.uuid, message);
      olderCursor = page.next;
      let forward = page.previous;
      for (let round = 0; forward && round < 20; round += 1) {
        const after = new URL(forward, location.origin).searchParams.get("after");
        const newer = await call("GET", `${history}?page_size=100&after=${after}`);
        const reached = newer.results.some((message) => messages.has(message.uuid));
        for (const message of newer.results) messages.set(message.uuid, message);
        forward = reached ? null : newer.previous;
      }
    }
    pinned = false;
    renderList();
    list.querySelector(".message.found")?.classList.remove("found");
    const node = list.querySelector(`[data-message-uuid="${CSS.escape(messageUuid)}"]`);
    if (!node) return;
    node.classList.add("found");
    node.setAttribute("tabindex", "-1");
    node.focus({ preventScroll: true });
    // Kept centred while the messages drawn above it take their height, until the reader scrolls.
    holding = node;
    centre(node);
    setTimeout(() => { if (holding === node) holding = null; }, 2000);
  } catch (error) {
    announce(status, errorText(error), "error");
  }
}

function jumpToNewest() {
  pinned = true;
  stickToBottom();
  jump.hidden = true;
}

function tell() {
  emitSoon("chatMessagesChanged", () => ({ chat: shownChat(), page: pagesLoaded, messages: newestFirst() }));
}

// ---- Unread. While the agent has the chat in front of them it is read: a customer's new message
// is marked read at once, so the page shows (and tells the host) the chat as read from the start,
// and the host hears no unread flicker. "Mark as unread" keeps it unread while the chat stays open,
// until the agent answers.
let keptUnread = false;
let countedUnread = null; // whether the page's unread count holds this chat

const willRead = () => document.visibilityState === "visible" && !keptUnread;
const shownChat = () => (chat && chat.unread_count > 0 && willRead()
  ? { ...chat, unread_count: 0, has_unread_messages: false } : chat);

// This chat's part of the page's unread count is what the page shows, not each step the server takes.
function countThisChat() {
  const unread = Boolean(shownChat()?.unread_count > 0);
  if (countedUnread !== null && unread !== countedUnread) applyUnreadDelta(unread ? 1 : -1);
  countedUnread = unread;
}

async function keepUnread() {
  // Kept before the answer: the live event of this very change may come first, and must not read it again.
  keptUnread = true;
  let answer;
  try {
    answer = await call("POST", `/web/api/chats/${uuid}/unread/`);
  } catch (error) {
    keptUnread = false;
    throw error;
  }
  if (chat.unread_count <= 0) chat = { ...chat, unread_count: 1, has_unread_messages: true };
  countedUnread = true;
  setUnreadChats(answer.unread_chats, answer.last_event_id ?? null);
  tell();
}

function answered() {
  if (!keptUnread) return;
  keptUnread = false;
  countThisChat();
  markRead().catch(() => {});
}

// ---- Live events: each applied to the held chat and messages; only what an event cannot carry
// (a page of history, a file) is fetched. An event without data (an older server) refetches.
// One refetch at a time: an answer on its way is never overtaken by an older one.
let refreshing = null;
let refreshAgain = false;
const refreshThrottled = throttled(() => {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = refresh().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      refreshSoon();
    }
  });
}, 250);
const refreshSoon = () => refreshThrottled();

function ofThisChat(e) {
  return e.chat_uuid === uuid || e.data?.chat_uuid === uuid || (e.kind === "chat" && e.data?.uuid === uuid)
    || (e.kind === "chat_removed" && e.data?.uuid === uuid);
}

function applyEvents(events) {
  let ask = false;
  let drawn = false;
  let inbound = false;
  for (const e of events) {
    if (!e.data) {
      if (ofThisChat(e) || e.kind === "chats") {
        ask = true;
        e.unreadHandled = ofThisChat(e); // the refetch counts this chat
      }
      continue;
    }
    if (!ofThisChat(e)) continue;
    e.unreadHandled = true;
    if (e.kind === "message") {
      if (!messages.has(e.data.uuid) && e.data.direction === "Inbound") inbound = true;
      messages.set(e.data.uuid, e.data);
      drawn = true;
    } else if (e.kind === "chat") {
      chat = e.data;
      renderWindow();
      renderPanel();
      renderWho();
    } else if (e.kind === "payment" && e.data.message_uuid) {
      payments.set(e.data.message_uuid, e.data);
      drawn = true;
    } else if (e.kind === "chat_removed") {
      ask = true;
    }
  }
  if (drawn) {
    renderList();
    announceArrivals();
  }
  if (events.some((e) => e.data && e.unreadHandled)) {
    countThisChat();
    tell();
    if (inbound || chat.unread_count > 0) markRead().catch(() => {});
  }
  if (ask) refreshSoon();
}

// The 24-hour window as the agent needs to hear it: open (for how long), closed since the
// customer's last message, or never opened because the customer has not written yet (a chat the
// business started with a template).
function renderWindow() {
  const closes = chat.window_closes_datetime ? new Date(chat.window_closes_datetime) : null;
  const left = closes ? closes - new Date() : 0;
  windowLine.dataset.open = String(left > 0);
  windowLine.dataset.state = !closes ? "never" : left > 0 ? "open" : "closed";
  windowLine.textContent = !closes ? t("chat.window_never")
    : left > 0 ? t("chat.window_open", { time: formatDuration(left) }) : t("chat.window_closed");
  document.dispatchEvent(new CustomEvent("sportello:window", { detail: { open: left > 0, never: !closes } }));
}

async function assignSelect() {
  let filters;
  try {
    filters = await call("GET", "/web/api/chats/filters/");
  } catch {
    return null;
  }
  const current = chat.operators[0]?.id;
  const choices = viewer.user.role === "Chat Operator"
    ? filters.operators.filter((o) => o.id === viewer.user.id || o.id === current)
    : filters.operators;
  const select = el("select", { id: "assign", "aria-label": t("chat.assign") },
    el("option", { value: "" }, t("chat.unassigned")),
    choices.map((o) => el("option", { value: String(o.id), selected: o.id === current }, o.name)));
  select.addEventListener("change", async () => {
    try {
      chat = await call("POST", `/web/api/chats/${uuid}/assign/`, { user_id: select.value ? Number(select.value) : null });
      announce(status, t("chat.assigned"), "success");
      renderPanel();
      tell();
    } catch (error) {
      select.value = current ? String(current) : "";
      announce(status, errorText(error), "error");
    }
  });
  return select;
}

// The contact panel (inbox/contact_panel.js), loaded the first time it opens: most chats are
// answered without it, and the frame stays light. It redraws itself when the chat changes.
let contactInfo = null;

async function openPanel() {
  contactInfo ??= import("./contact_panel.js").then(({ contactPanel }) => contactPanel({ panel, chatUuid: uuid,
    status, onClose: closePanel, onSaved: (saved) => {
      // The note stays inside Sportello: never in the `Chat` the host is told.
      const { note: _, ...contact } = saved;
      chat = { ...chat, contact: { ...chat.contact, ...contact }, tags: contact.tag_set };
      renderWho();
      tell();
      // A read of the chat that left before the save must not have the last word.
      refreshSoon();
    } }));
  try {
    await (await contactInfo).open();
  } catch (error) {
    contactInfo = null; // a module that did not load is asked for again on the next opening
    announce(status, errorText(error), "error");
  }
}

function renderPanel() {
  contactInfo?.then((info) => info.changed());
}

// The contact panel closes back to the menu button that opened it.
function closePanel() {
  panel.hidden = true;
  document.getElementById("toggle-contact")?.setAttribute("aria-expanded", "false");
  document.getElementById("chat-menu")?.focus();
}

// The phone and username beside the name: a username customer's phone may arrive later.
const contactIds = (name) => [chat.contact.phone, chat.contact.username ? `@${chat.contact.username}` : ""]
  .filter((x) => x && x !== name).join(" · ");

function renderWho() {
  const name = contactName(chat.contact);
  const title = document.getElementById("page-title");
  const ids = document.getElementById("contact-ids");
  if (title) title.textContent = name;
  if (ids) ids.textContent = contactIds(name);
}

// One compact row: back, the customer's name (and phone or username under it), the live state, and
// the chat's actions behind a menu button, so the header stays one line in a 450 px frame.
async function renderHead(live) {
  const name = contactName(chat.contact);
  const markUnread = el("button", { type: "button", id: "mark-unread", class: "menu-item" }, t("chat.mark_unread"));
  markUnread.addEventListener("click", async () => {
    closeMenu();
    try {
      await keepUnread();
      announce(status, t("chat.marked_unread"), "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    }
  });
  const info = el("button", { type: "button", id: "toggle-contact", class: "menu-item", "aria-expanded": "false",
    "aria-controls": "contact-panel" }, t("chat.contact"));
  info.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    info.setAttribute("aria-expanded", String(!panel.hidden));
    closeMenu();
    if (!panel.hidden) {
      openPanel();
      panel.focus();
    }
  });
  const assign = await assignSelect();
  finder.menuItem.addEventListener("click", () => { closeMenu(); finder.open(); });
  const menu = el("div", { class: "head-menu", id: "chat-actions", hidden: true, role: "group",
    "aria-label": t("chat.actions") },
  assign ? el("label", { class: "menu-field" }, el("span", { class: "small" }, t("chat.assign")), assign) : null,
  finder.menuItem, markUnread, info);
  const toggle = el("button", { type: "button", class: "icon-button", id: "chat-menu", "aria-expanded": "false",
    "aria-controls": "chat-actions", "aria-label": t("chat.actions"), title: t("chat.actions") }, icon("more"));
  function closeMenu({ focus = false } = {}) {
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (focus) toggle.focus();
  }
  toggle.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    toggle.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) menu.querySelector("select, button")?.focus();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeMenu({ focus: true });
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !toggle.contains(event.target)) closeMenu();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) closePanel();
  });
  const back = viewer.permissions.can_view_chat_list
    ? el("a", { href: pageUrl("/chats"), class: "back icon-button", id: "back-to-list", "aria-label": t("chat.back"),
      title: t("chat.back") }, icon("back"))
    : null;
  show(headBox, back,
    el("div", { class: "who-box" }, el("h1", { id: "page-title", text: name, title: name }),
      el("p", { class: "small presence", id: "presence", role: "status", hidden: true }),
      el("p", { class: "muted small", id: "contact-ids", text: contactIds(name) })),
    live, el("div", { class: "head-actions" }, toggle, menu));
}

// The composer takes the focus when the chat opens: the reply box, or (when only templates may be
// sent) the Templates tab.
function focusComposer() {
  // Not when the agent already went somewhere (a click, a key) while the chat was loading.
  const active = document.activeElement;
  if (active && active !== document.body && active !== document.documentElement) return;
  const reply = document.getElementById("reply");
  if (reply && !reply.disabled) reply.focus();
  else document.getElementById("tab-templates")?.focus();
}

// A screen reader hears of a customer's new message once, politely; not of those there on opening.
let heardUpTo;
function announceArrivals() {
  const newest = newestFirst().find((m) => m.direction === "Inbound");
  if (heardUpTo !== undefined && newest && newest.uuid !== heardUpTo) {
    announceAloud(t("chat.new_message_from", { name: contactName(chat.contact), text: messageSummary(newest) }));
  }
  heardUpTo = newest?.uuid ?? null;
}

async function loadNewest() {
  const page = await call("GET", `/web/api/chats/${uuid}/messages/?page_size=${PAGE_SIZE}`);
  for (const message of page.results) messages.set(message.uuid, message);
  if (pagesLoaded === 0) {
    olderCursor = page.next;
    pagesLoaded = 1;
  }
}

async function loadOlder() {
  if (!olderCursor) return;
  const cursor = new URL(olderCursor, location.origin).searchParams.get("before");
  olderButton.disabled = true;
  const height = scroller.scrollHeight;
  try {
    const page = await call("GET", `/web/api/chats/${uuid}/messages/?page_size=${PAGE_SIZE}&before=${cursor}`);
    for (const message of page.results) messages.set(message.uuid, message);
    olderCursor = page.next;
    pagesLoaded += 1;
    renderList();
    scroller.scrollTop = scroller.scrollHeight - height;
    tell();
  } catch (error) {
    announce(status, errorText(error), "error");
  } finally {
    olderButton.disabled = false;
  }
}

async function refresh() {
  try {
    chat = await call("GET", `/web/api/chats/${uuid}/`);
    await loadNewest();
    const requests = await call("GET", `/web/api/chats/${uuid}/payment_requests/`).catch(() => []);
    payments = new Map(requests.filter((r) => r.message_uuid).map((r) => [r.message_uuid, r]));
    renderWindow();
    renderList();
    announceArrivals();
    renderPanel();
    renderWho();
    if (countedUnread === null) {
      // The first answer: the count the page started from already holds this chat as the server had it.
      countedUnread = chat.unread_count > 0;
    }
    countThisChat();
    tell();
    await markRead();
  } catch (error) {
    announce(status, errorText(error), "error");
  }
}

let readUpTo = null; // the newest customer message this page has told the server it read

// An agent who has the chat in front of them has read it: unread no more, and (when the account
// sends read receipts) blue ticks for the customer. Also on open when the chat is not unread
// (someone read all from the list): the server calls Meta only for a message newer than the last marked.
async function markRead() {
  if (!willRead()) return;
  const newest = newestFirst().find((m) => m.direction === "Inbound")?.uuid ?? null;
  if (chat.unread_count <= 0 && (newest === null || newest === readUpTo)) return;
  const answer = await call("POST", `/web/api/chats/${uuid}/read/`);
  readUpTo = newest;
  // The server's count, this chat read: what the page counts from now on.
  countedUnread = false;
  setUnreadChats(answer.unread_chats, answer.last_event_id ?? null);
}

async function retry(message) {
  try {
    const sent = await call("POST", `/web/api/chats/${uuid}/messages/${message.uuid}/retry/`);
    messages.set(sent.uuid, { ...messages.get(sent.uuid), ...sent });
    renderList();
    tell();
  } catch (error) {
    announce(status, errorText(error), "error");
  }
}

function added(message) {
  messages.set(message.uuid, message);
  pinned = true;
  renderList();
  tell();
  answered();
}

async function main() {
  const started = await startPage({
    title: t("chat.title"),
    onEvents: (events) => {
      if (chat) applyEvents(events);
    },
    onReady: ({ first, resync }) => {
      // Back after a drop: what was missed comes as events, unless it is gone (resync).
      if (resync && chat) refreshSoon();
    },
  });
  if (!started) return;
  viewer = started.viewer;
  const { main, header } = started;
  try {
    chat = await call("GET", `/web/api/chats/${uuid}/`);
  } catch (error) {
    show(main, header, el("p", { class: "alert", role: "alert", id: "chat-error" },
      error.code === "chat_not_found" || error.status === 422 || error.status === 400 ? t("chat.not_found") : errorText(error)));
    return;
  }
  await renderHead(header.querySelector(".live"));
  olderButton.addEventListener("click", loadOlder);
  jump.addEventListener("click", jumpToNewest);
  followTheReader();
  scroller.append(olderButton, list);
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && olderCursor && !olderButton.disabled) loadOlder();
  }, { root: scroller }).observe(olderButton);
  let paypal = null;
  if (viewer.permissions.can_reply_in_chat && viewer.permissions.can_send_paypal_in_chat) {
    paypal = await call("GET", "/web/api/paypal/").catch(() => null);
  }
  // "typing…" for the customer only when the account sends read receipts (Meta sends it with one).
  const receipts = viewer.permissions.can_reply_in_chat
    ? await call("GET", "/web/api/account/settings/").catch(() => null) : null;
  const footer = viewer.permissions.can_reply_in_chat
    ? composer({ chatUuid: uuid, viewer, onSent: added, status, paypal, onPayment: refreshSoon,
      showTyping: Boolean(receipts?.send_read_receipts), contact: () => chat?.contact }) : null;
  show(main, el("div", { class: "chat-layout" },
    el("section", { class: "conversation", "aria-labelledby": "page-title" }, headBox, windowLine, finder.bar,
      el("div", { class: "stage" }, scroller, jump, status), footer),
    panel));
  await refresh();
  focusComposer();
  // Loaded once the chat is shown: who else has it open matters, but not before the chat itself.
  import("./presence.js").then(({ startPresence }) => startPresence({ chatUuid: uuid,
    line: document.getElementById("presence"), input: document.getElementById("reply") })).catch(() => {});
  const wanted = new URLSearchParams(location.search).get("message");
  if (wanted && /^[0-9a-f]{32}$/.test(wanted)) await jumpToMessage(wanted);
  setInterval(renderWindow, 60000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !chat) return;
    countThisChat();
    tell();
    markRead().catch(() => {});
  });
}

main();
