// What every page starts with: the session, the host's origins, the live connection and the
// unread state. Pages give it what to do with live events.
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { showNumberBanner } from "../number_banner.js";
import { LIVE_STATE_EVENT, connectLive, throttled } from "./live.js";
import { setAllowedOrigins } from "./host.js";
import { call, framed, startSession } from "./session.js";
import { applyUnreadDelta, refreshUnread } from "./unread.js";

// An event that carries no data (from a server that only says "this changed") or one whose
// effect on the unread count the page cannot know: the count is asked again.
const unknownToUnread = (e) => !e.data || e.kind === "chat_removed" || (e.kind === "chat" && e.unread_delta === undefined);

// "The server cannot be reached" goes away once it can be: when the live connection is back.
function clearNetworkNotices() {
  const text = t("error.network_error");
  for (const region of document.querySelectorAll('[data-kind="error"]')) {
    if (region.textContent.trim() === text.trim()) {
      region.textContent = "";
      delete region.dataset.kind;
    }
  }
}

export async function startPage({ title, onEvents, onReady }) {
  const main = document.getElementById("main");
  const viewer = await startSession();
  if (!viewer) return null;
  setAllowedOrigins(viewer.allowed_origins);
  // New-message alerts are the full app's alone: a frame never loads them (the host decides there).
  let alertOf = null;
  if (!framed) {
    import("./notifications.js").then((alerts) => {
      alerts.startAlerts(viewer);
      alertOf = alerts.alertOf;
    });
  }
  call("GET", "/web/api/whatsapp/").then(showNumberBanner).catch(() => {});
  const header = el("div", { class: "page-head" }, el("h1", { id: "page-title" }, title));
  const askUnread = throttled(refreshUnread, 250);
  const live = connectLive({
    onEvents: (events) => {
      // The page first: an event it counts itself (the open chat's, `unreadHandled`) is not
      // counted again here, or the host would hear the count go up and back down.
      onEvents(events);
      alertOf?.(events);
      let ask = false;
      for (const e of events) {
        if (e.unreadHandled) continue;
        if (unknownToUnread(e)) ask = ask || e.kind !== "template";
        else if (e.kind === "chat") applyUnreadDelta(e.unread_delta, e.id);
      }
      if (ask) askUnread();
    },
    onReady: (state) => {
      if (!state.first) askUnread();
      onReady(state);
    },
  });
  header.append(live);
  document.addEventListener(LIVE_STATE_EVENT, (event) => {
    if (event.detail.state === "live") clearNetworkNotices();
  });
  refreshUnread();
  return { viewer, main, header, askUnread };
}
