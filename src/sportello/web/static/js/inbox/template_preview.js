// A template as the customer's phone shows it: a WhatsApp-like bubble with the `%%CODE%%`
// placeholders filled. Shared by the templates page (the request form) and the chat's Templates tab.
// Everything becomes text nodes: a template or an example can never inject markup.
import { el } from "../dom.js";
import { icon } from "../icons.js";

// The same rule as the server's (sportello/templates/placeholders.py).
const PLACEHOLDER = /%%([A-Z][A-Z0-9_]{0,63})%%/g;
// WhatsApp's inline styles: *bold*, _italic_, ~strikethrough~, opened after a space or the start and
// closed before a space, punctuation or the end, as the app does (so `order_ready_now` stays plain).
const STYLED = /(^|[\s([{"'])([*_~])(?=\S)([^\n]*?\S)\2(?=$|[\s.,;:!?)\]}"'])/g;
const STYLE_TAG = { "*": "strong", _: "em", "~": "s" };

// The placeholder codes of a template, in order of first appearance in header, body and footer.
export function placeholdersOf(content) {
  const codes = [];
  for (const part of [content?.header, content?.body, content?.footer]) {
    for (const match of String(part || "").matchAll(PLACEHOLDER)) {
      if (!codes.includes(match[1])) codes.push(match[1]);
    }
  }
  return codes;
}

function styled(text) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(STYLED)) {
    const start = match.index + match[1].length;
    if (start > last) nodes.push(text.slice(last, start));
    nodes.push(el(STYLE_TAG[match[2]], {}, match[3]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

// A text with its placeholders filled; a placeholder without a value stays visible as `%%CODE%%`.
function filled(text, values) {
  const nodes = [];
  let pending = "";
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    pending += text.slice(last, match.index);
    const value = values?.[match[1]];
    if (typeof value === "string" && value.trim()) {
      pending += value;
    } else {
      nodes.push(...styled(pending));
      pending = "";
      nodes.push(el("span", { class: "wa-placeholder", "data-code": match[1] }, match[0]));
    }
    last = match.index + match[0].length;
  }
  pending += text.slice(last);
  nodes.push(...styled(pending));
  return nodes;
}

// `content` is `{header, body, footer, buttons: [{type, text}]}` as in a template's `content`;
// `values` maps a code to its text (an example, or a custom field).
export function renderPreview(content, values = {}) {
  const header = String(content?.header || "");
  const body = String(content?.body || "");
  const footer = String(content?.footer || "");
  const buttons = (content?.buttons || []).filter((button) => String(button?.text || "").trim());
  const bubble = el("div", { class: "wa-bubble" },
    header.trim() ? el("p", { class: "wa-header" }, filled(header, values)) : null,
    el("p", { class: "wa-body" }, filled(body, values)),
    footer.trim() ? el("p", { class: "wa-footer" }, filled(footer, values)) : null);
  return el("div", { class: "wa-preview" },
    bubble,
    buttons.length
      ? el("ul", { class: "wa-buttons" }, buttons.map((button) => el("li", { class: "wa-button" },
        button.type === "URL" ? icon("link", { className: "wa-button-icon" }) : null,
        button.type === "PHONE_NUMBER" ? icon("phone", { className: "wa-button-icon" }) : null,
        String(button.text))))
      : null);
}
