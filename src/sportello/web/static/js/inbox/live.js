// The page's WebSocket: every live event has an id; after a drop the page reconnects with back-off
// and asks for what came after the last id it saw, so nothing a colleague did is missed.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { boot } from "../boot.js";
import { frameSecret, showExpired } from "./session.js";

const PING_MS = 25000;
const KEEP_APPLIED = 500;
const MAX_DELAY_MS = 15000;
// The server closes with this code when the session ended (a new private key, a revoked API key,
// a removed user): reconnecting would only be refused again.
const EXPIRED_CLOSE_CODE = 4401;
// The server closes a socket that could not keep up with this code: the page comes back at once
// and catches up from its last id.
const TOO_SLOW_CLOSE_CODE = 4408;

// `fn` runs at once, then at most once per `ms` while calls keep coming, and once more after the
// last of them: a steady stream of calls is never starved (a debounce would wait for a pause).
export function throttled(fn, ms) {
  let timer = null;
  let again = false;
  const run = () => {
    again = false;
    timer = setTimeout(() => {
      timer = null;
      if (again) run();
    }, ms);
    fn();
  };
  return () => {
    if (timer === null) run();
    else again = true;
  };
}

// The page's live state for the rest of the page ("connecting", "live", "reconnecting"): a notice
// about a lost connection goes away once it is back.
export const LIVE_STATE_EVENT = "sportello:live";
// A colleague's presence in a chat (`presence.js`): told as it comes, never stored nor numbered.
export const PRESENCE_EVENT = "sportello:presence";
let current = null;

// A message for the server over the open socket (dropped while it is down: presence is said again).
export function sendLive(message) {
  if (current?.readyState === 1) current.send(JSON.stringify(message));
}

export function connectLive({ onEvents, onReady }) {
  const indicator = el("span", { class: "live", id: "live-state", role: "status", "data-state": "connecting" },
    t("live.connecting"));
  let lastId = null;
  const applied = new Set(); // the ids of the last events applied, oldest first
  let attempt = 0;
  let stopped = false;
  let ping = null;
  let retry = null;
  let socket = null;

  const setState = (state) => {
    indicator.dataset.state = state;
    indicator.textContent = t(`live.${state}`);
    document.dispatchEvent(new CustomEvent(LIVE_STATE_EVENT, { detail: { state } }));
  };

  function open() {
    retry = null;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = current = new WebSocket(`${scheme}//${location.host}/web/live/`);
    socket.addEventListener("open", () => {
      // The chat this page shows: a frame without the chat list hears only of it (it can only narrow).
      socket.send(JSON.stringify({ type: "hello", session: frameSecret(), after: lastId, chat: boot.chatUuid || null }));
      ping = setInterval(() => socket.readyState === 1 && socket.send('{"type":"ping"}'), PING_MS);
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "ready") {
        const first = lastId === null;
        lastId = data.last_event_id;
        attempt = 0;
        setState("live");
        onReady({ first, resync: data.resync });
      } else if (data.type === "events") {
        // In id order, each once: one the page already applied (a replay after a reconnect) is
        // dropped. By id, not by "below the last": a transaction that committed late may carry a lower one.
        const fresh = data.events.filter((e) => !applied.has(e.id)).sort((a, b) => a.id - b.id);
        for (const e of fresh) applied.add(e.id);
        for (const id of applied) {
          if (applied.size <= KEEP_APPLIED) break;
          applied.delete(id);
        }
        lastId = Math.max(lastId ?? 0, data.last_event_id);
        if (fresh.length) onEvents(fresh);
      } else if (data.type === "presence") {
        document.dispatchEvent(new CustomEvent(PRESENCE_EVENT, { detail: data }));
      } else if (data.type === "expired") {
        stopped = true;
        showExpired();
      }
    });
    socket.addEventListener("close", (event) => {
      clearInterval(ping);
      if (event.code === EXPIRED_CLOSE_CODE && !stopped) {
        stopped = true;
        showExpired();
      }
      if (stopped) return;
      setState("reconnecting");
      const delay = event.code === TOO_SLOW_CLOSE_CODE && attempt === 0
        ? 0 : Math.min(MAX_DELAY_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      retry = setTimeout(open, delay);
    });
  }

  // The browser says the network is back: try now rather than at the end of the back-off.
  const now = () => {
    if (stopped || retry === null) return;
    clearTimeout(retry);
    attempt = 0;
    open();
  };
  window.addEventListener("online", now);
  // The browser knows the network is gone before the socket does: say so now, and be ready to
  // come back the moment it returns.
  window.addEventListener("offline", () => {
    if (!stopped && socket && socket.readyState <= 1) socket.close();
  });
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && now());
  document.addEventListener("sportello:expired", () => { stopped = true; });
  open();
  return indicator;
}
