// A search inside one chat: an item of the chat's header menu opens a search bar above the
// conversation; what it finds (through the server's full-text index) is listed newest first, and
// picking one hands its uuid to the chat page, which opens the history around it.
import { el } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { formatWhen } from "./format.js";
import { messageSummary } from "./message_view.js";
import { call } from "./session.js";

export function searchInChat({ chatUuid, onPick, returnFocus }) {
  const input = el("input", { type: "search", id: "chat-find", maxlength: 100, autocomplete: "off",
    "aria-label": t("chat.search"), placeholder: t("chat.search_placeholder") });
  const results = el("ul", { class: "find-results", id: "chat-find-results", "aria-label": t("chat.search_results") });
  const said = el("p", { class: "small muted", id: "chat-find-status", role: "status", "aria-live": "polite" });
  const close = el("button", { type: "button", class: "icon-button", id: "chat-find-close",
    "aria-label": t("common.close"), title: t("common.close") }, "×");
  const bar = el("div", { class: "find-bar", id: "chat-find-bar", role: "search", hidden: true },
    el("div", { class: "find-row" }, input, close), said, results);

  let asked = 0;
  async function find() {
    const q = input.value.trim();
    const mine = ++asked;
    results.replaceChildren();
    said.textContent = "";
    if (!q) return;
    try {
      const found = await call("GET", `/web/api/chats/${chatUuid}/messages/search/?q=${encodeURIComponent(q)}`);
      if (mine !== asked) return; // a later search answered first
      said.textContent = found.length ? t("chat.search_found", { count: found.length }) : t("chat.search_none");
      results.replaceChildren(...found.map((message) => el("li", {},
        el("button", { type: "button", class: "find-hit", "data-message-uuid": message.uuid,
          onclick: () => onPick(message.uuid) },
        el("time", { datetime: message.created_datetime }, formatWhen(message.created_datetime)),
        el("span", { class: "find-text", text: messageSummary(message) })))));
    } catch (error) {
      if (mine === asked) said.textContent = errorText(error);
    }
  }

  function hide() {
    bar.hidden = true;
    returnFocus();
  }
  let typing = null;
  input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(find, 250);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { clearTimeout(typing); find(); }
  });
  bar.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });
  close.addEventListener("click", hide);

  const menuItem = el("button", { type: "button", id: "search-in-chat", class: "menu-item",
    "aria-controls": "chat-find-bar" }, t("chat.search"));
  function open() {
    bar.hidden = false;
    input.focus();
  }
  return { bar, menuItem, open };
}
