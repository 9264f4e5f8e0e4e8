// hasUnreadChatsChanged: every page tells its host whether any chat it may see is unread.
import { emitIfChanged } from "./host.js";
import { call, framed } from "./session.js";

const baseTitle = document.title;

export async function refreshUnread() {
  try {
    const state = await call("GET", "/web/api/chats/unread/");
    emitIfChanged("hasUnreadChatsChanged", { hasUnreadChats: state.has_unread_chats });
    // The full app's browser tab shows how many chats wait; in a frame the host decides.
    if (!framed) document.title = state.unread_chats ? `(${state.unread_chats}) ${baseTitle}` : baseTitle;
    return state;
  } catch {
    return null;
  }
}
