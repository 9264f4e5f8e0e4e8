// {APP}/chats: the chat list, with search, filters, paging and unread markers; tells the host
// `chatsChanged` on first data and on every change.
import { el, show, announce } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { formatFull, formatNumber, formatWhen } from "./format.js";
import { emitIfChanged } from "./host.js";
import { messageSummary } from "./message_view.js";
import { openNewChat } from "./new_chat.js";
import { call, pageUrl } from "./session.js";
import { startPage } from "./shell.js";
import { refreshUnread } from "./unread.js";

const PAGE_SIZE = 25;
const state = { search: "", show: "all", operator: "", tag: "", page: 1 };
let started = null;
let reloadTimer = null;
const status = el("p", { class: "status", role: "status", "aria-live": "polite", id: "chats-status" });
const list = el("div", { id: "chat-list-region", "aria-busy": "true" });

function contactName(contact) {
  const name = `${contact.first_name} ${contact.last_name}`.trim();
  return name || (contact.username ? `@${contact.username}` : "") || contact.phone;
}

function initial(name) {
  const first = name.trim().charAt(0);
  return /\p{L}/u.test(first) ? first.toUpperCase() : "#";
}

// An empty list says why: the filters, or (for a Chat Operator, who sees only their chats) nothing
// assigned to them yet, or no customer has written at all.
function emptyListText(hasFilters) {
  if (hasFilters) return t("chats.empty_filtered");
  return t(started?.viewer.user.role === "Chat Operator" ? "chats.empty_operator" : "chats.empty");
}

function chatRow(chat) {
  const name = contactName(chat.contact);
  const last = chat.last_message;
  const unread = chat.unread_count > 0;
  return el("li", { class: `chat-row${unread ? " unread" : ""}`, "data-chat-uuid": chat.uuid },
    el("a", { href: pageUrl(`/chats/${chat.uuid}`), class: "chat-link",
      "aria-label": unread ? t("chats.row_unread", { name, count: chat.unread_count }) : name },
    el("span", { class: "avatar", "aria-hidden": "true" }, initial(name)),
    el("span", { class: "chat-main" },
      el("span", { class: "chat-top" },
        el("strong", { class: "chat-name", text: name }),
        last ? el("time", { datetime: last.created_datetime, title: formatFull(last.created_datetime) },
          formatWhen(last.created_datetime)) : null),
      el("span", { class: "chat-bottom" },
        el("span", { class: "chat-preview", text: last ? messageSummary(last) : t("chats.no_messages") }),
        unread ? el("span", { class: "unread-count", "aria-hidden": "true" }, formatNumber(chat.unread_count)) : null),
      chat.operators.length || chat.tags.length ? el("span", { class: "chat-meta" },
        chat.operators.map((o) => el("span", { class: "tag operator", text: o.name })),
        chat.tags.map((tag) => el("span", { class: "tag", text: `#${tag}` }))) : null)));
}

function pager(data) {
  const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
  if (pages <= 1) return null;
  const go = (page) => { state.page = page; load(); };
  return el("nav", { class: "pager", "aria-label": t("chats.pages") },
    el("button", { type: "button", disabled: !data.previous, onclick: () => go(state.page - 1) }, t("common.previous")),
    el("span", {}, t("chats.page_of", { page: formatNumber(state.page), pages: formatNumber(pages) })),
    el("button", { type: "button", disabled: !data.next, onclick: () => go(state.page + 1) }, t("common.next")));
}

async function load() {
  list.setAttribute("aria-busy", "true");
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.search) query.set("search", state.search);
  if (state.show === "unread") query.set("unread", "true");
  if (state.show === "mine") query.set("mine", "true");
  if (state.operator) query.set("operator", state.operator);
  if (state.tag) query.set("tag", state.tag);
  try {
    const data = await call("GET", `/web/api/chats/?${query}`);
    if (!data.results.length && state.page > 1) {
      state.page -= 1;
      return load();
    }
    show(list,
      data.results.length
        ? el("ul", { class: "chat-list", "aria-label": t("chats.list_label") }, data.results.map(chatRow))
        : el("p", { class: "empty", id: "chats-empty" }, emptyListText(data.has_filters)),
      pager(data));
    emitIfChanged("chatsChanged", { chats: data.results, hasFilters: data.has_filters, page: state.page });
    emitIfChanged("hasUnreadChatsChanged", { hasUnreadChats: data.unread_chats > 0 });
  } catch (error) {
    if (error.status === 401) return;
    show(list, el("div", { class: "alert", role: "alert", id: "chats-error" }, errorText(error), " ",
      el("button", { type: "button", onclick: load }, t("common.retry"))));
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 150);
}

async function filtersBar(viewer) {
  const search = el("input", { type: "search", id: "chat-search", placeholder: t("chats.search_placeholder"),
    "aria-label": t("chats.search"), maxlength: 100, autocomplete: "off" });
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.search = search.value.trim(); state.page = 1; load(); }, 250);
  });
  const showSelect = el("select", { id: "chat-filter", "aria-label": t("chats.filter") },
    el("option", { value: "all" }, t("chats.filter_all")),
    el("option", { value: "unread" }, t("chats.filter_unread")),
    el("option", { value: "mine" }, t("chats.filter_mine")));
  showSelect.addEventListener("change", () => { state.show = showSelect.value; state.page = 1; load(); });
  const parts = [el("div", { class: "search-box" }, search), showSelect];
  let filters = { operators: [], tags: [] };
  try {
    filters = await call("GET", "/web/api/chats/filters/");
  } catch {
    // The list works without these two filters.
  }
  if (viewer.user.role !== "Chat Operator" && filters.operators.length) {
    const operator = el("select", { id: "chat-operator", "aria-label": t("chats.filter_operator") },
      el("option", { value: "" }, t("chats.any_operator")),
      filters.operators.map((o) => el("option", { value: String(o.id) }, o.name)));
    operator.addEventListener("change", () => { state.operator = operator.value; state.page = 1; load(); });
    parts.push(operator);
  }
  if (filters.tags.length) {
    const tag = el("select", { id: "chat-tag", "aria-label": t("chats.filter_tag") },
      el("option", { value: "" }, t("chats.any_tag")), filters.tags.map((name) => el("option", { value: name }, `#${name}`)));
    tag.addEventListener("change", () => { state.tag = tag.value; state.page = 1; load(); });
    parts.push(tag);
  }
  const readAll = el("button", { type: "button", id: "read-all" }, t("chats.mark_all_read"));
  readAll.addEventListener("click", async () => {
    readAll.disabled = true;
    try {
      await call("POST", "/web/api/chats/read_all/");
      announce(status, t("chats.all_read"), "success");
      await load();
      refreshUnread();
    } catch (error) {
      announce(status, errorText(error), "error");
    } finally {
      readAll.disabled = false;
    }
  });
  const actions = [readAll];
  if (viewer.permissions.can_reply_in_chat) {
    actions.push(el("button", { type: "button", class: "primary", id: "new-chat", onclick: () => openNewChat() },
      t("chats.new_chat")));
  }
  return el("div", { class: "toolbar", role: "search" }, parts, el("div", { class: "toolbar-actions" }, actions));
}

async function main() {
  started = await startPage({
    title: t("nav.chats"),
    onEvents: (events) => {
      if (events.some((e) => e.kind !== "template")) scheduleReload();
    },
    onReady: ({ first, resync }) => {
      if (!first || resync) scheduleReload();
    },
  });
  if (!started) return;
  const { viewer, main, header } = started;
  if (!viewer.permissions.can_view_chat_list) {
    show(main, header, el("p", { class: "alert", role: "alert", id: "list-not-allowed" }, t("chats.list_not_allowed")));
    return;
  }
  show(main, header, await filtersBar(viewer), status, list);
  list.replaceChildren(el("p", { class: "muted loading", role: "status" }, t("common.loading")));
  await load();
}

main();
