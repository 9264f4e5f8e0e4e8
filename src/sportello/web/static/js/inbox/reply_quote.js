// The customer's message an agent is answering, above the reply box (Meta's `context`): set by a
// message's Reply action (the "sportello:reply" event), taken away with × or Esc, sent with the reply.
import { el } from "../dom.js";
import { icon } from "../icons.js";
import { t } from "../i18n.js";
import { messageSummary } from "./message_view.js";

export function replyQuote(textarea) {
  let target = null;
  const quoted = el("span", { class: "quoted-text" });
  const cancel = el("button", { type: "button", class: "icon-button quote-cancel", id: "reply-quote-cancel",
    "aria-label": t("composer.reply_cancel"), title: t("composer.reply_cancel") }, icon("close"));
  const bar = el("div", { class: "reply-quote", id: "reply-quote", hidden: true },
    el("blockquote", { class: "quoted" }, el("span", { class: "quoted-who" }, t("message.from_customer")), quoted),
    cancel);
  const clear = () => {
    target = null;
    bar.hidden = true;
  };
  cancel.addEventListener("click", () => {
    clear();
    textarea.focus();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && target) {
      event.preventDefault();
      event.stopPropagation();
      clear();
    }
  });
  document.addEventListener("sportello:reply", (event) => {
    target = event.detail;
    quoted.textContent = messageSummary(target);
    bar.hidden = false;
    textarea.focus();
  });
  return { bar, clear, replyTo: () => target?.uuid ?? null };
}
