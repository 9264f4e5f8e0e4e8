// The full app's alert for a new customer message in a chat the agent may see (the live events
// carry only those): a short chime made with WebAudio (nothing fetched) and a desktop notification,
// when the agent chose so (kept per user on the server, shown by the bell in the top bar). Not for
// the chat they have open and in focus. Inside a host's frame it does nothing: there the host
// decides, from `hasUnreadChatsChanged`'s `unreadCount`.
import { announce, el } from "../dom.js";
import { icon } from "../icons.js";
import { errorText, t } from "../i18n.js";
import { boot } from "../boot.js";
import { call, framed, pageUrl } from "./session.js";
import { toastRegion } from "./toast.js";

// Older messages (caught up after a drop, or a file fetched later for one) are not news.
const FRESH_MS = 2 * 60 * 1000;
const startedAt = Date.now() - 10000;
const heard = new Set();
const names = new Map(); // chat uuid → the customer's name, from chat events
let wanted = false;
let audio = null;

const nameOf = (contact) => `${contact.first_name} ${contact.last_name}`.trim()
  || (contact.username ? `@${contact.username}` : "") || contact.phone;

// Browsers start sound only after the person touched the page: the context is made (or resumed) then.
function wakeAudio() {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
}

function chime() {
  wakeAudio();
  if (!audio) return;
  const now = audio.currentTime;
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.setValueAtTime(880, now);
  tone.frequency.setValueAtTime(660, now + 0.12);
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
  tone.connect(gain).connect(audio.destination);
  tone.start(now);
  tone.stop(now + 0.4);
}

// Two tabs of the app hear the same message: the first to claim it alerts. The claim is a lock of
// the browser's named for the message, held a few seconds: the tabs hear it within milliseconds of
// each other, and a lock is decided in one place, where another tab's storage may not show the
// first one's write yet. Storage remembers the claim for a tab that hears it later (a reconnect).
// Without locks, each tab may alert; the notification's tag still makes it one on the desktop.
const CLAIM_HOLD_MS = 10000;

function claimNow(uuid) {
  try {
    const claimed = JSON.parse(localStorage.getItem("sportello.alerted") || "[]");
    if (claimed.includes(uuid)) return false;
    localStorage.setItem("sportello.alerted", JSON.stringify([...claimed.slice(-49), uuid]));
  } catch {
    // No storage: this tab alerts.
  }
  return true;
}

function claim(uuid) {
  if (!navigator.locks) return Promise.resolve(claimNow(uuid));
  return new Promise((resolve) => {
    navigator.locks.request(`sportello.alert.${uuid}`, { ifAvailable: true }, (lock) => {
      resolve(lock ? claimNow(uuid) : false);
      return lock ? new Promise((done) => setTimeout(done, CLAIM_HOLD_MS)) : undefined;
    }).catch(() => resolve(true));
  });
}

// The chat in front of the agent, in this tab or (told through storage) in another of theirs.
const FRONT = "sportello.chat_in_front";
const focusedHere = () => document.visibilityState === "visible" && document.hasFocus();

function inFront(chatUuid) {
  if (boot.page === "chat" && boot.chatUuid === chatUuid && focusedHere()) return true;
  try {
    return localStorage.getItem(FRONT) === chatUuid;
  } catch {
    return false;
  }
}

function tellWhatIsInFront({ leaving = false } = {}) {
  if (boot.page !== "chat") return;
  try {
    if (focusedHere() && !leaving) localStorage.setItem(FRONT, boot.chatUuid);
    else if (localStorage.getItem(FRONT) === boot.chatUuid) localStorage.removeItem(FRONT);
  } catch {
    // No storage: each tab knows only its own chat.
  }
}

async function alert(message) {
  let name = names.get(message.chat_uuid);
  if (!name) {
    const chat = await call("GET", `/web/api/chats/${message.chat_uuid}/`).catch(() => null);
    name = chat ? nameOf(chat.contact) : "";
  }
  chime();
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const shown = new Notification(t("notify.title", { name }), {
    body: message.text || t("notify.body_media"), tag: message.uuid, lang: boot.language });
  shown.addEventListener("click", () => {
    window.focus();
    location.assign(pageUrl(`/chats/${message.chat_uuid}`));
    shown.close();
  });
}

// A live event names the message (`ref`), and carries it when the server sends the change itself;
// otherwise the chat's newest messages are read once to find it.
async function messageOf(e) {
  if (e.data) return e.data;
  const page = await call("GET", `/web/api/chats/${e.chat_uuid}/messages/?page_size=10`).catch(() => null);
  for (const message of page?.results ?? []) if (message.uuid !== e.ref) heard.add(message.uuid);
  return page?.results.find((message) => message.uuid === e.ref) ?? null;
}

async function consider(e) {
  const message = await messageOf(e);
  if (!message || message.direction !== "Inbound" || message.type === "Note") return;
  const at = Date.parse(message.created_datetime);
  if (!(at >= startedAt && Date.now() - at < FRESH_MS) || inFront(message.chat_uuid)) return;
  if (!(await claim(message.uuid))) return;
  await alert(message);
}

// Every batch of live events the page receives.
export function alertOf(events) {
  for (const e of events) if (e.kind === "chat" && e.data?.contact) names.set(e.data.uuid, nameOf(e.data.contact));
  if (framed || !wanted) return;
  for (const e of events) {
    const uuid = e.data?.uuid ?? e.ref;
    // Each message once: its later changes (ticks, a file fetched) are not news.
    if (e.kind !== "message" || !uuid || !e.chat_uuid || heard.has(uuid)) continue;
    heard.add(uuid);
    consider(e).catch(() => {});
  }
}

// The bell in the full app's top bar: on asks the browser's permission first, then keeps the choice.
export function startAlerts(viewer) {
  const bar = document.querySelector("header.topbar .who");
  if (framed || !bar) return;
  wanted = Boolean(viewer.notify_new_messages);
  const status = toastRegion("notify-status");
  const bell = el("button", { type: "button", class: "icon-button notify-toggle", id: "notify-toggle",
    "aria-pressed": String(wanted), "aria-label": t("notify.toggle"), title: t("notify.toggle") }, icon("bell"));
  bell.addEventListener("click", async () => {
    wakeAudio();
    const on = !wanted;
    if (on) {
      if (!("Notification" in window)) return announce(status, t("notify.unsupported"), "error");
      const permission = Notification.permission === "default"
        ? await Notification.requestPermission() : Notification.permission;
      if (permission !== "granted") return announce(status, t("notify.denied"), "error");
    }
    try {
      const saved = await call("PUT", "/web/api/me/notifications/", { notify_new_messages: on });
      wanted = saved.notify_new_messages;
      bell.setAttribute("aria-pressed", String(wanted));
      announce(status, t(wanted ? "notify.on" : "notify.off"), "success");
    } catch (error) {
      announce(status, errorText(error), "error");
    }
  });
  if (wanted) document.addEventListener("pointerdown", wakeAudio, { once: true });
  // The focus settles after the event: look once it has.
  for (const change of ["focus", "blur"]) window.addEventListener(change, () => setTimeout(tellWhatIsInFront));
  document.addEventListener("visibilitychange", () => tellWhatIsInFront());
  window.addEventListener("pagehide", () => tellWhatIsInFront({ leaving: true }));
  tellWhatIsInFront();
  bar.prepend(bell);
  document.body.append(status);
}
