// hasUnreadChatsChanged: every page tells its host whether any chat it may see is unread, and how
// many are (`unreadCount`, an addition to the guide's event, for a host that shows a number or
// notifies). The page keeps the number of unread chats: from the list's answer or this endpoint,
// then moved by each live chat event's `unread_delta`.
import { emitSoon } from "./host.js";
import { call, framed } from "./session.js";

const baseTitle = document.title;
let unreadChats = null;

function tellUnread() {
  emitSoon("hasUnreadChatsChanged", () => ({ hasUnreadChats: unreadChats > 0, unreadCount: unreadChats }));
  // The full app's browser tab shows how many chats wait; in a frame the host decides.
  if (!framed) document.title = unreadChats ? `(${unreadChats}) ${baseTitle}` : baseTitle;
}

export function setUnreadChats(count) {
  unreadChats = Math.max(0, count);
  tellUnread();
}

// A live chat event moved one chat from read to unread (+1) or back (-1).
export function applyUnreadDelta(delta) {
  if (unreadChats === null || !delta) return;
  setUnreadChats(unreadChats + delta);
}

export async function refreshUnread() {
  try {
    const state = await call("GET", "/web/api/chats/unread/");
    setUnreadChats(state.unread_chats ?? (state.has_unread_chats ? 1 : 0));
    return state;
  } catch {
    return null;
  }
}
