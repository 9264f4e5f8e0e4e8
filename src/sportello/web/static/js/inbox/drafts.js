// What an agent typed in a chat and did not send yet, per user and chat, so leaving the chat (or
// reloading the frame) does not lose it. Kept on the server, since a host's frame is often denied
// storage of its own, and in this page's storage too where it may have some (read first: no wait).
// Saves go one at a time, the last text last, a moment after the typing stops.
import { call } from "./session.js";

const PREFIX = "sportello.draft";
const SAVE_AFTER_MS = 700;

function store() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function draftKeeper({ accountId, userId, chatUuid }) {
  const key = `${PREFIX}.${accountId}.${userId}.${chatUuid}`;
  const path = `/web/api/chats/${chatUuid}/draft/`;
  const storage = store();
  const attempt = (action) => {
    try {
      return action(storage);
    } catch {
      return null; // full or refused: the server keeps it
    }
  };
  let timer = null;
  let waiting = null; // the text a pending save will send
  let sent = null;
  let saving = Promise.resolve();
  const keepLocally = (text) => storage && attempt((s) => (text.trim() ? s.setItem(key, text) : s.removeItem(key)));
  const send = (text) => {
    waiting = null;
    if (text === sent) return;
    sent = text;
    saving = saving.then(() => call("PUT", path, { text })).catch(() => {});
  };
  // Leaving within a moment of the last key: the save goes now, and outlives the page.
  const leave = () => {
    if (waiting === null) return;
    clearTimeout(timer);
    const text = waiting;
    waiting = null;
    sent = text;
    call("PUT", path, { text }, { keepalive: true }).catch(() => {});
  };
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && leave());
  return {
    load: async () => (storage && attempt((s) => s.getItem(key)))
      || (await call("GET", path).then((draft) => draft.text).catch(() => "")),
    save: (text) => {
      keepLocally(text);
      clearTimeout(timer);
      waiting = text;
      timer = setTimeout(() => send(text), SAVE_AFTER_MS);
    },
    clear: () => {
      keepLocally("");
      clearTimeout(timer);
      send("");
    },
  };
}

// Ties a textarea to its draft: filled on opening (unless the agent already typed), saved as the
// agent types, cleared by a send (the writer empties the box and fires "input"; see composer.js).
export function keepDraft(textarea, keeper) {
  keeper.load().then((saved) => {
    if (saved && !textarea.value) textarea.value = saved;
  });
  textarea.addEventListener("input", () => keeper.save(textarea.value));
}
