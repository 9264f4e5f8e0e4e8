// hasUnreadChatsChanged: every page tells its host whether any chat it may see is unread.
import { emitIfChanged } from "./host.js";
import { call } from "./session.js";

export async function refreshUnread() {
  try {
    const state = await call("GET", "/web/api/chats/unread/");
    emitIfChanged("hasUnreadChatsChanged", { hasUnreadChats: state.has_unread_chats });
    return state;
  } catch {
    return null;
  }
}
