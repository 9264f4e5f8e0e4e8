// hasUnreadChatsChanged: every page tells its host whether any chat it may see is unread, and how
// many are (`unreadCount`, an addition to the guide's event, for a host that shows a number or
// notifies). The page keeps the number of unread chats: from the list's answer or this endpoint,
// then moved by each live chat event's `unread_delta`.
import { emitSoon } from "./host.js";
import { call, framed } from "./session.js";

const baseTitle = document.title;
let unreadChats = null;
// A count is as of an event number (`last_event_id`): the events up to it are in it. An event's
// delta may reach the page before or after a count that holds it (the socket and a read race),
// so each delta is kept by number a while, and a new count takes those after it.
let countedAsOf = null;
const recent = new Map(); // event id → its delta, the last few hundred
const KEEP_DELTAS = 300;

function tellUnread() {
  emitSoon("hasUnreadChatsChanged", () => ({ hasUnreadChats: unreadChats > 0, unreadCount: unreadChats }));
  // The full app's browser tab shows how many chats wait; in a frame the host decides.
  if (!framed) document.title = unreadChats ? `(${unreadChats}) ${baseTitle}` : baseTitle;
}

// The server's count; `asOf` the number of its account's last event when it was counted (none:
// the page's own change, counted as it is now).
export function setUnreadChats(count, asOf = null) {
  let total = count;
  if (asOf !== null) {
    countedAsOf = asOf;
    for (const [id, delta] of recent) if (id > asOf) total += delta;
  }
  unreadChats = Math.max(0, total);
  tellUnread();
}

// A live chat event (number `id`) moved one chat from read to unread (+1) or back (-1).
export function applyUnreadDelta(delta, id = null) {
  if (!delta) return;
  if (id !== null) {
    if (countedAsOf !== null && id <= countedAsOf) return; // the count holds it already
    recent.set(id, delta);
    for (const old of recent.keys()) {
      if (recent.size <= KEEP_DELTAS) break;
      recent.delete(old);
    }
  }
  if (unreadChats === null) return;
  unreadChats = Math.max(0, unreadChats + delta);
  tellUnread();
}

export async function refreshUnread() {
  try {
    const state = await call("GET", "/web/api/chats/unread/");
    setUnreadChats(state.unread_chats ?? (state.has_unread_chats ? 1 : 0), state.last_event_id ?? null);
    return state;
  } catch {
    return null;
  }
}
