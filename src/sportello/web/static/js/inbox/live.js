// The page's WebSocket: every live event has an id; after a drop the page reconnects with back-off
// and asks for what came after the last id it saw, so nothing a colleague did is missed.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { boot } from "../boot.js";
import { frameSecret, showExpired } from "./session.js";

const PING_MS = 25000;
const MAX_DELAY_MS = 15000;
// The server closes with this code when the session ended (a new private key, a revoked API key,
// a removed user): reconnecting would only be refused again.
const EXPIRED_CLOSE_CODE = 4401;

export function connectLive({ onEvents, onReady }) {
  const indicator = el("span", { class: "live", id: "live-state", role: "status", "data-state": "connecting" },
    t("live.connecting"));
  let lastId = null;
  let attempt = 0;
  let stopped = false;
  let ping = null;

  const setState = (state) => {
    indicator.dataset.state = state;
    indicator.textContent = t(`live.${state}`);
  };

  function open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/web/live/`);
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
        lastId = data.last_event_id;
        onEvents(data.events);
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
      const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(open, delay);
    });
  }

  document.addEventListener("sportello:expired", () => { stopped = true; });
  open();
  return indicator;
}
