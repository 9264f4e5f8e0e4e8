// One message as the chat shows it. Everything the customer sent becomes text nodes, never HTML.
import { el } from "../dom.js";
import { icon } from "../icons.js";
import { language, t } from "../i18n.js";
import { formatFull, formatTime, tCount } from "./format.js";
import { richText } from "./rich_text.js";
import { fileUrl } from "./session.js";

const KIND_LABELS = {
  Image: "message.image", Video: "message.video", Audio: "message.audio", Document: "message.document",
  Sticker: "message.sticker", Location: "message.location", Contacts: "message.contacts",
  Reaction: "message.reaction", Unsupported: "message.unsupported", System: "message.system",
};

// A line for the chat list: the text, or what kind of message it is.
export function messageSummary(message) {
  const notice = message.content?.system || {};
  if (message.content_type === "System" && notice.new_wa_id &&
    (notice.type === "user_changed_number" || notice.type === "customer_changed_number")) {
    return t("message.number_changed", { phone: `+${notice.new_wa_id}` });
  }
  const prefix = message.type === "Note" ? `${t("message.note")}: ` : "";
  if (message.text) return prefix + message.text;
  return prefix + t(KIND_LABELS[message.content_type] || "message.message");
}

const TICKS = {
  Pending: ["clock", "message.status_pending"],
  Sent: ["check", "message.status_sent"],
  Delivered: ["checks", "message.status_delivered"],
  Read: ["checks", "message.status_read"],
  Error: ["alert", "message.status_error"],
};

function tick(message) {
  const [symbol, key] = TICKS[message.send_status] || [];
  if (!symbol) return null;
  return el("span", { class: `tick tick-${message.send_status.toLowerCase()}`, role: "img", "aria-label": t(key),
    title: t(key) }, icon(symbol));
}

// Each file is downloaded once per page, however often the chat is drawn again.
const blobs = new Map();
const cachedFileUrl = (path) => {
  if (!blobs.has(path)) blobs.set(path, fileUrl(path).catch((error) => { blobs.delete(path); throw error; }));
  return blobs.get(path);
};

function mediaBlock(message) {
  const files = message.mediamessage_set || [];
  const declared = message.content.media || {};
  if (!files.length) {
    if (!declared.kind) return null;
    return el("p", { class: "media-pending muted" }, t(KIND_LABELS[message.content_type] || "message.message"));
  }
  return files.map((file) => {
    const path = `/web/api/media/${file.uuid}/`;
    if (file.status !== "ready") {
      return el("p", { class: "media-pending muted" },
        t(file.status === "failed" ? "message.media_failed" : "message.media_loading"));
    }
    if (file.kind === "image" || file.kind === "sticker") {
      const image = el("img", { alt: message.text || t("message.image"), class: "media-image", loading: "lazy" });
      const open = el("button", { type: "button", class: "media-open", "aria-label": t("message.open_image") }, image);
      cachedFileUrl(path).then((url) => { image.src = url; }).catch(() => { image.alt = t("message.media_failed"); });
      open.addEventListener("click", () => openLarge(image.src, image.alt));
      return open;
    }
    if (file.kind === "audio" || file.kind === "video") {
      const player = el(file.kind, { controls: true, preload: "none", class: `media-${file.kind}` });
      cachedFileUrl(path).then((url) => { player.src = url; }).catch(() => player.replaceWith(t("message.media_failed")));
      return player;
    }
    const link = el("button", { type: "button", class: "document" }, icon("file"), " ", file.filename || t("message.document"));
    link.addEventListener("click", async () => {
      const url = await cachedFileUrl(path);
      const anchor = el("a", { href: url, download: file.filename || "file" });
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    });
    return link;
  });
}

function openLarge(src, alt) {
  if (!src) return;
  const close = el("button", { type: "button", class: "dialog-close" }, t("common.close"));
  const dialog = el("dialog", { class: "lightbox", "aria-label": alt }, el("img", { src, alt }), close);
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

// A link the customer (or Meta) gave opens only if it is a web address, in a new tab that
// cannot reach back into the chat.
function webUrl(value) {
  try {
    const url = new URL(String(value || ""));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

const outLink = (href, cls, ...children) => el("a", { href, class: cls, target: "_blank", rel: "noopener noreferrer" },
  ...children);

// A place on a map: the link is built here from the coordinates, nothing is fetched to draw it.
function mapUrl(latitude, longitude) {
  const lat = Number(latitude);
  const lon = Number(longitude);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

function locationBlock(location) {
  const { latitude, longitude, name, address } = location;
  const map = mapUrl(latitude, longitude);
  return el("div", { class: "location" },
    el("p", { class: "location-name" }, icon("pin"), " ", el("span", { text: name || `${latitude}, ${longitude}` })),
    address && address !== name ? el("p", { class: "location-address small", text: address }) : null,
    map ? outLink(map, "map-link small", t("message.map_open")) : null);
}

// The ad (or post) the customer tapped before writing: what they saw, and the way back to it.
function adCard(referral) {
  const post = referral.source_type === "post";
  const title = referral.headline
    ? t(post ? "message.from_post" : "message.from_ad", { headline: referral.headline })
    : t(post ? "message.from_post_untitled" : "message.from_ad_untitled");
  const link = webUrl(referral.source_url);
  return el("div", { class: "ad-card", "data-source-id": referral.source_id || "" },
    el("p", { class: "ad-title", text: title }),
    referral.body ? el("p", { class: "ad-body small", text: referral.body }) : null,
    link ? outLink(link, "ad-link small", t("message.ad_open")) : null);
}

// What WhatsApp could not deliver, in words, with Meta's own reason when it gave one.
function unsupportedLine(message) {
  const content = message.content || {};
  const error = (Array.isArray(content.errors) ? content.errors[0] : null) || {};
  const reason = [error.title, error.details && error.details !== error.title ? error.details : ""].filter(Boolean);
  if (content.unsupported?.type) reason.push(t("message.unsupported_kind", { type: content.unsupported.type }));
  return el("p", { class: "unsupported muted", text: reason.length
    ? t("message.unsupported_reason", { reason: reason.join(" · ") }) : t("message.unsupported_plain") });
}

// The phone digits of a call button, for a tel: link.
const telUrl = (phone) => {
  const digits = String(phone || "").replace(/[^\d+]/g, "");
  return digits ? `tel:${digits}` : null;
};

function buttonChip(button) {
  if (button.type === "URL" && webUrl(button.url)) {
    return outLink(webUrl(button.url), "button-chip button-url", icon("link"), " ", el("span", { text: button.text }));
  }
  if (button.type === "PHONE_NUMBER" && telUrl(button.phone_number)) {
    return el("a", { href: telUrl(button.phone_number), class: "button-chip button-phone" }, icon("phone"), " ",
      el("span", { text: button.text }));
  }
  return el("span", { class: "button-chip" }, button.text);
}

function reactionBadges(message) {
  const reactions = message.reactions || [];
  if (!reactions.length) return null;
  return el("p", { class: "reactions" }, reactions.map((r) => el("span", { class: "reaction-badge", role: "img",
    "aria-label": t(r.direction === "Inbound" ? "message.reaction_customer" : "message.reaction_you", { emoji: r.emoji }),
    title: t(r.direction === "Inbound" ? "message.reaction_customer" : "message.reaction_you", { emoji: r.emoji }),
  }, r.emoji)));
}

function extras(message) {
  const content = message.content || {};
  const parts = [];
  if (content.location) parts.push(locationBlock(content.location));
  if (Array.isArray(content.contacts)) {
    for (const person of content.contacts) {
      const name = person?.name?.formatted_name || "";
      const phones = (person?.phones || []).map((p) => p.phone).filter(Boolean).join(", ");
      parts.push(el("p", { class: "contact-card" }, icon("user"), " ", [name, phones].filter(Boolean).join(" · ")));
    }
  }
  if (message.buttons?.length) {
    parts.push(el("div", { class: "buttons", role: "group", "aria-label": t("message.buttons") },
      message.buttons.map(buttonChip)));
  }
  if (content.list) {
    parts.push(el("div", { class: "buttons" }, el("span", { class: "button-chip" }, content.list.button || icon("list", { label: t("message.list") }))));
  }
  if (content.interactive || content.button) parts.push(el("p", { class: "muted small" }, t("message.quick_reply")));
  if (content.forwarded) parts.unshift(el("p", { class: "muted small" }, t("message.forwarded")));
  return parts;
}

// A payment request's card under its message (and in the contact panel): what was asked, and whether
// the customer opened it.
export function paymentCard(payment) {
  const amount = new Intl.NumberFormat(language, { style: "currency", currency: payment.currency })
    .format(Number(payment.amount));
  const opened = payment.opened_count
    ? tCount("paypal.opened", payment.opened_count, { when: formatFull(payment.first_opened_datetime) })
    : t("paypal.not_opened");
  return el("div", { class: `payment-card${payment.opened_count ? " opened" : ""}`, "data-payment-id": payment.id },
    el("p", { class: "payment-title" }, "PayPal · ", el("strong", {}, amount)),
    payment.description ? el("p", { class: "small", text: payment.description }) : null,
    el("p", { class: "small payment-state" }, opened));
}

function quotedBlock(quoted) {
  return el("blockquote", { class: "quoted" },
    el("span", { class: "quoted-who" }, t(quoted.direction === "Inbound" ? "message.from_customer" : "message.from_you")),
    el("span", { class: "quoted-text", text: quoted.text || t(KIND_LABELS[quoted.content_type] || "message.message") }));
}

// WhatsApp's own notice (a number change…): a line in the chat, not the customer's bubble.
function systemLine(message) {
  const notice = message.content?.system || {};
  const changed = notice.type === "user_changed_number" || notice.type === "customer_changed_number";
  const text = changed
    ? (notice.new_wa_id ? t("message.number_changed", { phone: `+${notice.new_wa_id}` }) : t("message.number_changed_unknown"))
    : message.text || t("message.system");
  return el("li", { class: "message system-line", "data-message-uuid": message.uuid, role: "note" },
    el("span", { class: "muted small", text }));
}

// A reaction is shown on the message it names (its badge); its own line only when it could not
// be put there (that message is not in the chat). A removed or replaced one is not shown at all,
// as on WhatsApp.
export function isShown(message) {
  if (message.content_type !== "Reaction") return true;
  return Boolean(message.text) && !message.content?.superseded && !message.content?.shown_on;
}

const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];
const tell = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

// The agent's reaction: a few emoji under a button; theirs again (or ×) takes it away.
function reactionChoices(message) {
  const mine = (message.reactions || []).find((r) => r.direction === "Outbound")?.emoji || "";
  const toggle = el("button", { type: "button", class: "icon-button message-react", "aria-expanded": "false",
    "aria-label": t("message.react"), title: t("message.react") }, icon("smile"));
  const pick = (emoji) => el("button", { type: "button", class: "emoji", "aria-pressed": String(emoji === mine),
    "aria-label": emoji, onclick: () => tell("sportello:react", { message, emoji: emoji === mine ? "" : emoji }) }, emoji);
  const row = el("div", { class: "reaction-choices", role: "group", "aria-label": t("message.react"), hidden: true },
    QUICK_REACTIONS.map(pick), mine ? el("button", { type: "button", class: "icon-button", "aria-label": t("message.react_remove"),
      title: t("message.react_remove"), onclick: () => tell("sportello:react", { message, emoji: "" }) }, icon("close")) : null);
  const open = (shown) => {
    row.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
  };
  toggle.addEventListener("click", () => {
    open(row.hidden);
    if (!row.hidden) row.querySelector("button").focus();
  });
  row.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    open(false);
    toggle.focus();
  });
  row.addEventListener("click", (event) => { if (event.target.closest("button")) open(false); });
  return [toggle, row];
}

// What an agent may do with a customer's message: answer it quoted, react to it (the composer listens).
function messageActions(message) {
  const reply = el("button", { type: "button", class: "icon-button message-reply", "aria-label": t("message.reply"),
    title: t("message.reply") }, icon("reply"));
  reply.addEventListener("click", () => tell("sportello:reply", message));
  return el("div", { class: "message-actions" }, reply, reactionChoices(message));
}

export function renderMessage(message, { onRetry, canRetry, canAct, payment } = {}) {
  if (message.content_type === "System" && message.direction === "Inbound") return systemLine(message);
  const inbound = message.direction === "Inbound";
  const note = message.type === "Note";
  const cls = ["message", inbound ? "inbound" : "outbound", note ? "note" : "", message.type === "Template" ? "template" : ""];
  if (message.content_type === "Reaction") {
    const target = message.quoted ? message.quoted.text || t(KIND_LABELS[message.quoted.content_type] || "message.message") : "";
    return el("li", { class: "message reaction-line", "data-message-uuid": message.uuid },
      el("span", { class: "muted small" }, target
        ? t("message.reacted_to", { emoji: message.text || "", text: target.slice(0, 60) })
        : t("message.reacted", { emoji: message.text || "" })));
  }
  const unsupported = message.content_type === "Unsupported";
  const body = el("div", { class: "bubble" },
    message.referral ? adCard(message.referral) : null,
    note ? el("p", { class: "note-label" }, t("message.note")) : null,
    message.quoted ? quotedBlock(message.quoted)
      : message.reply_to ? el("p", { class: "muted small reply-label" }, t("message.in_reply")) : null,
    mediaBlock(message),
    unsupported ? unsupportedLine(message) : null,
    // A location's text is its name, which the location block shows.
    message.text && !unsupported && message.content_type !== "Location"
      ? el("p", { class: "text" }, richText(message.text)) : null,
    extras(message),
    reactionBadges(message),
    payment ? paymentCard(payment) : null,
    el("p", { class: "meta" },
      message.sender ? el("span", { class: "sender", text: message.sender.name }) : null,
      el("time", { datetime: message.created_datetime, title: formatFull(message.created_datetime) },
        formatTime(message.sent_datetime || message.created_datetime)),
      inbound || note ? null : tick(message)));
  if (message.send_status === "Error" && !inbound) {
    body.append(el("p", { class: "send-error", role: "note" }, message.send_error_message || t("message.status_error")));
    if (canRetry) {
      body.append(el("button", { type: "button", class: "retry", onclick: () => onRetry(message) }, t("message.retry")));
    }
  }
  const actable = canAct && inbound && !note;
  return el("li", { class: cls.filter(Boolean).join(" "), "data-message-uuid": message.uuid,
    "data-status": message.send_status }, body, actable ? messageActions(message) : null);
}
