// A message's text as WhatsApp shows it: *bold*, _italic_, ~strike~, ```mono``` and `code`, and web
// addresses as links. Built from text nodes and elements only: whatever the customer wrote stays text.
// WhatsApp's rules: a marker opens at the start or after a non-letter, is followed by a non-space,
// closes on the same line before a non-letter; a marker that never closes stays as typed.
import { el } from "../dom.js";

const TAGS = { "*": "strong", _: "em", "~": "s", "`": "code" };
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
const URL_AT = /https?:\/\/[^\s<>"]+/iy;

// The web address starting at `at`, without the punctuation that ends a sentence around it.
function urlAt(text, at) {
  if (at > 0 && WORD.test(text[at - 1])) return null;
  URL_AT.lastIndex = at;
  const found = URL_AT.exec(text);
  if (!found) return null;
  const raw = found[0].replace(/[.,;:!?'")\]}*_~`]+$/, "");
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? { href: url.href, raw } : null;
  } catch {
    return null;
  }
}

const link = (url) => el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer", class: "text-link" }, url.raw);

function closing(text, from, mark) {
  for (let at = from + 2; at < text.length; at += 1) {
    if (text[at] === "\n") return -1;
    const url = urlAt(text, at);
    if (url) {
      at += url.raw.length - 1;
      continue;
    }
    if (text[at] === mark && !SPACE.test(text[at - 1]) && !WORD.test(text[at + 1] || "")) return at;
  }
  return -1;
}

function inline(text) {
  const parts = [];
  let plain = "";
  const flush = () => {
    if (plain) parts.push(document.createTextNode(plain));
    plain = "";
  };
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    const url = urlAt(text, at);
    if (url) {
      flush();
      parts.push(link(url));
      at += url.raw.length - 1;
      continue;
    }
    const opens = TAGS[char] && !WORD.test(text[at - 1] || "") && text[at + 1] && !SPACE.test(text[at + 1]);
    const end = opens ? closing(text, at, char) : -1;
    if (end < 0) {
      plain += char;
      continue;
    }
    flush();
    const inner = text.slice(at + 1, end);
    parts.push(el(TAGS[char], {}, char === "`" ? inner : inline(inner)));
    at = end;
  }
  flush();
  return parts;
}

// The nodes of one message's text: ```blocks``` first (nothing is formatted inside them), then the rest.
export function richText(text) {
  const parts = [];
  let rest = String(text || "");
  for (;;) {
    const open = rest.indexOf("```");
    const close = open < 0 ? -1 : rest.indexOf("```", open + 3);
    if (close < 0 || close === open + 3) break;
    parts.push(...inline(rest.slice(0, open)), el("code", { class: "mono" }, rest.slice(open + 3, close)));
    rest = rest.slice(close + 3);
  }
  parts.push(...inline(rest));
  return parts;
}
