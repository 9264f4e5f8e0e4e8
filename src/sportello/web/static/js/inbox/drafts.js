// What an agent typed in a chat and did not send yet: kept in this frame's own storage, per account,
// user and chat, so leaving the chat (or reloading the frame) does not lose it. Where storage is
// refused (a host's sandbox, a private window) the composer simply works without it.
const PREFIX = "sportello.draft";

function store() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function draftKeeper({ accountId, userId, chatUuid }) {
  const key = `${PREFIX}.${accountId}.${userId}.${chatUuid}`;
  const storage = store();
  const attempt = (action) => {
    try {
      return action(storage);
    } catch {
      return null; // full or refused: the draft is only lost if the agent leaves
    }
  };
  return {
    load: () => (storage ? attempt((s) => s.getItem(key)) || "" : ""),
    save: (text) => {
      if (!storage) return;
      attempt((s) => (text.trim() ? s.setItem(key, text) : s.removeItem(key)));
    },
    clear: () => { if (storage) attempt((s) => s.removeItem(key)); },
  };
}

// Ties a textarea to its draft: filled on opening, saved as the agent types, cleared by a send
// (the writer empties the box and fires "input"; see composer.js).
export function keepDraft(textarea, keeper) {
  const saved = keeper.load();
  if (saved && !textarea.value) textarea.value = saved;
  textarea.addEventListener("input", () => keeper.save(textarea.value));
}
