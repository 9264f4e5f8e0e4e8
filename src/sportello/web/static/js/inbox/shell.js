// What every page starts with: the session, the host's origins, the live connection and the
// unread state. Pages give it their own refresh function.
import { el } from "../dom.js";
import { connectLive } from "./live.js";
import { setAllowedOrigins } from "./host.js";
import { startSession } from "./session.js";
import { refreshUnread } from "./unread.js";

export async function startPage({ title, onEvents, onReady }) {
  const main = document.getElementById("main");
  const viewer = await startSession();
  if (!viewer) return null;
  setAllowedOrigins(viewer.allowed_origins);
  const header = el("div", { class: "page-head" }, el("h1", { id: "page-title" }, title));
  const live = connectLive({
    onEvents: (events) => {
      refreshUnread();
      onEvents(events);
    },
    onReady: (state) => {
      if (!state.first) refreshUnread();
      onReady(state);
    },
  });
  header.append(live);
  refreshUnread();
  return { viewer, main, header };
}
