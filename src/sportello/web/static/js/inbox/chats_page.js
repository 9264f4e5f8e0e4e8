// {APP}/chats: the chat list, with search, filters, paging and unread markers; tells the host
// `chatsChanged` on first data and on every change.
import { el, show, announce } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { formatFull, formatNumber, formatWhen } from "./format.js";
import { emitSoon } from "./host.js";
import { KeyedNodes, reconcile } from "./keyed.js";
import { throttled } from "./live.js";
import { messageSummary } from "./message_view.js";
import { openNewChat } from "./new_chat.js";
import { call, pageUrl } from "./session.js";
import { startPage } from "./shell.js";
import { refreshUnread, setUnreadChats } from "./unread.js";

const PAGE_SIZE = 25;
const state = { search: "", show: "all", operator: "", tag: "", page: 1 };
let started = null;
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
  // Found through a message: that message is shown instead of the last one, and opens the chat at it.
  const matched = chat.matched_message;
  const unread = chat.unread_count > 0;
  const target = matched ? `/chats/${chat.uuid}?message=${matched.uuid}` : `/chats/${chat.uuid}`;
  const preview = matched
    ? el("span", { class: "chat-preview matched" },
      el("span", { class: "visually-hidden" }, `${t("chats.found_in_message")} `), messageSummary(matched))
    : el("span", { class: "chat-preview", text: last ? messageSummary(last) : t("chats.no_messages") });
  return el("li", { class: `chat-row${unread ? " unread" : ""}`, "data-chat-uuid": chat.uuid },
    el("a", { href: pageUrl(target), class: "chat-link",
      "aria-label": unread ? t("chats.row_unread", { name, count: chat.unread_count }) : name },
    el("span", { class: "avatar", "aria-hidden": "true" }, initial(name)),
    el("span", { class: "chat-main" },
      el("span", { class: "chat-top" },
        el("strong", { class: "chat-name", text: name }),
        last ? el("time", { datetime: last.created_datetime, title: formatFull(last.created_datetime) },
          formatWhen(last.created_datetime)) : null),
      el("span", { class: "chat-bottom" },
        preview,
        unread ? el("span", { class: "unread-count", "aria-hidden": "true" }, formatNumber(chat.unread_count)) : null),
      chat.operators.length || chat.tags.length ? el("span", { class: "chat-meta" },
        chat.operators.map((o) => el("span", { class: "tag operator", text: o.name })),
        chat.tags.map((tag) => el("span", { class: "tag", text: `#${tag}` }))) : null)));
}

function pager(view) {
  const pages = Math.max(1, Math.ceil(view.count / PAGE_SIZE));
  if (pages <= 1) return null;
  const go = (page) => { state.page = page; load(); };
  return el("nav", { class: "pager", "aria-label": t("chats.pages") },
    el("button", { type: "button", disabled: state.page <= 1, onclick: () => go(state.page - 1) }, t("common.previous")),
    el("span", {}, t("chats.page_of", { page: formatNumber(state.page), pages: formatNumber(pages) })),
    el("button", { type: "button", disabled: state.page >= pages, onclick: () => go(state.page + 1) }, t("common.next")));
}

// The page of chats as the page holds it: what the list showed, moved by each live event.
const view = { chats: [], count: 0, hasFilters: false, loaded: false };
const rows = new KeyedNodes(chatRow);
const rowList = el("ul", { class: "chat-list", "aria-label": t("chats.list_label") });
let pagerBox = null;
let loading = null; // the list being fetched; events heard meanwhile are applied again on its answer
let heardWhileLoading = [];

function renderChats() {
  if (!view.chats.length) {
    show(list, el("p", { class: "empty", id: "chats-empty" }, emptyListText(view.hasFilters)));
    pagerBox = null;
  } else {
    reconcile(rowList, view.chats.map((chat) => rows.node(chat.uuid, chat)));
    rows.keepOnly(new Set(view.chats.map((chat) => chat.uuid)));
    const nextPager = pager(view);
    if (list.firstElementChild !== rowList || pagerBox?.textContent !== nextPager?.textContent) {
      show(list, rowList, nextPager);
      pagerBox = nextPager;
    }
  }
  emitSoon("chatsChanged", () => ({ chats: view.chats, hasFilters: view.hasFilters, page: state.page }));
}

async function load() {
  list.setAttribute("aria-busy", "true");
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.search) query.set("search", state.search);
  if (state.show === "unread") query.set("unread", "true");
  if (state.show === "mine") query.set("mine", "true");
  if (state.operator) query.set("operator", state.operator);
  if (state.tag) query.set("tag", state.tag);
  const mine = {};
  loading = mine;
  heardWhileLoading = [];
  try {
    const data = await call("GET", `/web/api/chats/?${query}`);
    if (loading !== mine) return; // a newer question was asked meanwhile
    if (!data.results.length && state.page > 1) {
      state.page -= 1;
      return load();
    }
    Object.assign(view, { chats: data.results, count: data.count, hasFilters: data.has_filters, loaded: true });
    setUnreadChats(data.unread_chats, data.last_event_id ?? null);
    // What was heard while the list was on its way may be newer than the answer.
    for (const e of heardWhileLoading) applyChatEvent(e, { again: true });
    renderChats();
  } catch (error) {
    if (error.status === 401 || loading !== mine) return;
    show(list, el("div", { class: "alert", role: "alert", id: "chats-error" }, errorText(error), " ",
      el("button", { type: "button", onclick: load }, t("common.retry"))));
  } finally {
    if (loading === mine) {
      loading = null;
      heardWhileLoading = [];
      list.setAttribute("aria-busy", "false");
      if (reloadAfterLoad) {
        reloadAfterLoad = false;
        reloadSoon();
      }
    }
  }
}

// The list is filtered, searched or not on its first page: whether a changed chat enters, leaves
// or moves within it is the server's answer, asked at most this often while events keep coming.
let reloadAfterLoad = false;
const reloadThrottled = throttled(() => {
  // One question at a time: a stream of events never keeps replacing an answer on its way.
  if (loading) reloadAfterLoad = true;
  else load();
}, 300);
const reloadSoon = () => reloadThrottled();
const inPlaceOnly = () => view.hasFilters || state.page > 1;
const newerFirst = (a, b) => (a.updated_datetime < b.updated_datetime ? 1 : a.updated_datetime > b.updated_datetime ? -1 : 0);

// One live event on the held page; false when the page cannot tell what it does and must ask.
function applyChatEvent(e, { again = false } = {}) {
  const at = view.chats.findIndex((c) => c.uuid === e.data.uuid);
  if (e.kind === "message") {
    // A tick or an edit of the message the row shows; a new message comes with its chat's event.
    const message = e.data;
    const index = view.chats.findIndex((c) => c.last_message?.uuid === message.uuid);
    if (index >= 0) view.chats[index] = { ...view.chats[index], last_message: message };
    return true;
  }
  if (e.kind === "chat_removed") {
    if (at < 0) return true;
    view.chats.splice(at, 1);
    view.count = Math.max(0, view.count - 1);
    return view.count <= view.chats.length;
  }
  const chat = e.data;
  if (again && at >= 0 && view.chats[at].updated_datetime > chat.updated_datetime) return true;
  if (inPlaceOnly()) {
    if (at >= 0) view.chats[at] = chat;
    return false;
  }
  const everything = view.count <= view.chats.length; // no other page: a chat not here is a new one
  if (at >= 0) view.chats.splice(at, 1);
  let index = view.chats.findIndex((c) => newerFirst(chat, c) <= 0);
  if (index < 0) index = view.chats.length;
  if (index >= PAGE_SIZE) {
    // It belongs to a later page. One that left this page leaves a gap the server fills; a new
    // one only moves the count; one from another page that stays there changes nothing here.
    if (at >= 0) return false;
    if (everything) view.count += 1;
    return everything;
  }
  view.chats.splice(index, 0, chat);
  if (at < 0 && everything) view.count += 1;
  if (view.chats.length > PAGE_SIZE) view.chats.length = PAGE_SIZE;
  return at >= 0 || everything;
}

function applyEvents(events) {
  let ask = false;
  let changed = false;
  for (const e of events) {
    if (e.kind === "template" || e.kind === "payment") continue;
    if (!e.data || !["chat", "chat_removed", "message"].includes(e.kind)) {
      ask = true;
      continue;
    }
    if (loading) heardWhileLoading.push(e);
    if (!view.loaded) continue; // the first answer is on its way
    ask = !applyChatEvent(e) || ask;
    changed = true;
  }
  if (changed) renderChats();
  if (ask) reloadSoon();
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
    onEvents: applyEvents,
    onReady: ({ first, resync }) => {
      // Back after a drop: what was missed came as events; a resync means they are gone.
      if (resync || (!first && (!view.loaded || document.getElementById("chats-error")))) reloadSoon();
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
