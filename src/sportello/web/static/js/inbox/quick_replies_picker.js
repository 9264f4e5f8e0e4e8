// The composer's quick replies: `/` at the start of the text (or after a space) opens a list of the
// account's saved answers, filtered by what follows it; ↑/↓ choose, Enter or Tab insert, Esc closes.
// The text comes from the server already filled with this chat's contact (first name, email…).
// The list sits in the footer's flow above the text box, so it never covers the Send button.
import { el } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { call } from "./session.js";

const TRIGGER = /(^|\s)\/([^\s/]{0,40})$/;
const WAIT_MS = 120;

export function attachQuickReplies({ textarea, form, chatUuid }) {
  const list = el("ul", { role: "listbox", id: "quick-replies-list", class: "quick-replies", hidden: true,
    "aria-label": t("quick_replies.picker_label") });
  textarea.setAttribute("aria-controls", list.id);
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-expanded", "false");
  // Placed on first use: the composer puts the form in its panel after this runs.
  const open = () => {
    if (!list.isConnected) form.before(list);
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
  };
  let found = [];
  let active = -1;
  let token = null; // { start, query }: the `/word` being typed, from its slash to the caret
  let dismissed = -1; // the slash Esc closed: not reopened until another `/` is typed
  let timer = 0;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
    found = [];
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    const option = list.children[index];
    if (option?.id) {
      textarea.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  };
  const insert = (reply) => {
    const before = textarea.value.slice(0, token.start);
    const after = textarea.value.slice(textarea.selectionEnd);
    textarea.value = before + reply.text + after;
    const caret = before.length + reply.text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    token = null;
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const render = (replies, query) => {
    found = replies;
    list.replaceChildren(...(replies.length
      ? replies.map((reply, index) => {
        const option = el("li", { role: "option", id: `quick-reply-${reply.id}`, "aria-selected": "false",
          "data-title": reply.title }, el("strong", { text: reply.title }), el("span", { class: "muted", text: reply.text }));
        // Pressed, the text box keeps its focus; released, the reply goes in.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => insert(reply));
        option.addEventListener("mousemove", () => { if (active !== index) highlight(index); });
        return option;
      })
      : [el("li", { class: "muted", id: "quick-replies-none" },
        t(query ? "quick_replies.picker_none" : "quick_replies.picker_empty"))]));
    open();
    if (replies.length) highlight(0);
  };
  const ask = (query) => {
    const mine = ++asked;
    const search = query ? `?search=${encodeURIComponent(query)}` : "";
    call("GET", `/web/api/chats/${chatUuid}/quick_replies/${search}`)
      .then((replies) => { if (mine === asked && token) render(replies, query); })
      .catch((error) => {
        if (mine !== asked || !token) return;
        list.replaceChildren(el("li", { class: "alert", role: "alert" }, errorText(error)));
        open();
      });
  };

  textarea.addEventListener("input", () => {
    const caret = textarea.selectionEnd;
    const match = textarea.selectionStart === caret ? TRIGGER.exec(textarea.value.slice(0, caret)) : null;
    const start = match ? caret - match[2].length - 1 : -1;
    if (!match || start === dismissed) {
      if (!match) dismissed = -1;
      token = null;
      close();
      return;
    }
    token = { start, query: match[2] };
    clearTimeout(timer);
    timer = setTimeout(() => ask(match[2]), WAIT_MS);
  });
  textarea.addEventListener("blur", () => { token = null; close(); });
  // Capture, on the form: the writer's own Enter (send) must not see a key the list took.
  form.addEventListener("keydown", (event) => {
    if (event.target !== textarea || list.hidden) return;
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    let took = true;
    if (step && found.length) highlight((active + step + found.length) % found.length);
    else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && found[active] && token) insert(found[active]);
    else if (event.key === "Escape") {
      dismissed = token ? token.start : -1;
      token = null;
      close();
    } else took = false;
    if (took) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
}
