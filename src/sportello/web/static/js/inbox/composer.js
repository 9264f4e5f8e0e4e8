// The chat footer: Reply (Enter sends, Shift+Enter starts a new line, attachments), Templates
// (approved ones, a field per placeholder, a live preview) and Note (internal, never sent).
import { announce, el, show } from "../dom.js";
import { errorText, t } from "../i18n.js";
import { icon } from "../icons.js";
import { keepDraft, draftKeeper } from "./drafts.js";
import { emojiPicker } from "./emoji_picker.js";
import { attachQuickReplies } from "./quick_replies_picker.js";
import { replyQuote } from "./reply_quote.js";
import { call } from "./session.js";
import { plainTemplates, templateFields } from "./template_fields.js";

const KINDS = { image: "Image", video: "Video", audio: "Audio", document: "Document" };

function tabs(names, panels) {
  const buttons = names.map((name, index) => el("button", { type: "button", role: "tab", id: `tab-${name}`,
    "aria-controls": `panel-${name}`, "aria-selected": String(index === 0), tabindex: index === 0 ? "0" : "-1" },
  t(`composer.tab_${name}`)));
  const select = (index) => {
    buttons.forEach((button, i) => {
      button.setAttribute("aria-selected", String(i === index));
      button.tabIndex = i === index ? 0 : -1;
      panels[i].hidden = i !== index;
    });
    buttons[index].focus();
  };
  buttons.forEach((button, index) => {
    button.addEventListener("click", () => select(index));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) select((index + step + buttons.length) % buttons.length);
    });
  });
  panels.forEach((panel, index) => { panel.hidden = index !== 0; });
  return el("div", { role: "tablist", class: "tabs", "aria-label": t("composer.label") }, buttons);
}

function writer({ id, label, placeholder, onSend, sendLabel, attach }) {
  const text = el("textarea", { id, rows: 2, maxlength: 4096, placeholder, "aria-label": label });
  const send = el("button", { type: "submit", class: "primary", id: `${id}-send` }, sendLabel);
  const form = el("form", { class: "writer" }, text, attach || null, send);
  const submit = async () => {
    if (!text.value.trim() || send.disabled) return;
    send.disabled = true;
    try {
      await onSend(text.value);
      text.value = "";
      // Told as any change of the box: the draft goes, colleagues stop seeing "typing".
      text.dispatchEvent(new Event("input"));
    } finally {
      send.disabled = false;
      text.focus();
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  return { form, text, send };
}

// Meta shows "typing…" for up to 25 s (developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators):
// an agent still typing asks again a little before that, never more often.
const TYPING_EVERY_MS = 20000;

function typingNotice(chatUuid) {
  let last = 0;
  let off = false;
  return () => {
    const now = Date.now();
    if (off || now - last < TYPING_EVERY_MS) return;
    last = now;
    call("POST", `/web/api/chats/${chatUuid}/typing/`).catch((error) => {
      // A session that may not reply (or a chat taken away) stops asking; other failures wait for the next round.
      if (error.status === 403 || error.status === 404) off = true;
    });
  };
}

// `contact()`: the chat's customer as the page holds it now (their details fill template fields).
export function composer({ chatUuid, viewer, onSent, status, paypal, onPayment, showTyping = false,
  contact = () => null }) {
  const post = (body) => call("POST", `/web/api/chats/${chatUuid}/messages/`, body);
  const fail = (error) => announce(status, errorText(error), "error");

  // Reply
  const fileInput = el("input", { type: "file", id: "attach-file", class: "visually-hidden",
    accept: "image/jpeg,image/png,video/mp4,audio/mpeg,audio/ogg,audio/aac,application/pdf,text/plain" });
  const attachLabel = el("label", { for: "attach-file", class: "attach", title: t("composer.attach") },
    el("img", { src: "/static/paperclip.svg", alt: "", width: 18, height: 18 }), el("span", { class: "visually-hidden" }, t("composer.attach")));
  // Buttons or a list: a form of its own under the reply box, opened from beside the paperclip.
  const choicesToggle = el("button", { type: "button", class: "icon-button", id: "choices-open", "aria-expanded": "false",
    "aria-controls": "choices-form", "aria-label": t("choices.open"), title: t("choices.open") }, icon("list"));
  // The form is loaded on the first open, and replaces this placeholder.
  let choices = el("div", { id: "choices-form", hidden: true });
  let loading = null;
  const loadChoices = () => loading ??= import("./choices_form.js").then(({ choicesForm }) => {
    const form = choicesForm({ post, onSent, fail, done: () => {
      form.hidden = true;
      choicesToggle.setAttribute("aria-expanded", "false");
      announce(status, t("choices.sent"), "success");
    } });
    choices.replaceWith(form);
    choices = form;
  });
  choicesToggle.addEventListener("click", async () => {
    await loadChoices();
    choices.hidden = !choices.hidden;
    choicesToggle.setAttribute("aria-expanded", String(!choices.hidden));
    if (!choices.hidden) choices.querySelector("#choices-text").focus();
  });
  const reply = writer({ id: "reply", label: t("composer.reply_label"), placeholder: t("composer.reply_placeholder"),
    sendLabel: t("composer.send"), attach: el("span", { class: "writer-tools" }, fileInput, attachLabel, choicesToggle),
    onSend: async (text) => {
      try {
        onSent(await post({ type: "Message", text, reply_to: quote.replyTo() || undefined }));
        quote.clear();
        draft.clear();
      } catch (error) {
        fail(error);
        throw error;
      }
    } });
  attachQuickReplies({ textarea: reply.text, form: reply.form, chatUuid });
  document.addEventListener("sportello:react", async (event) => {
    const { message, emoji } = event.detail;
    try {
      onSent(await post({ type: "Message", content_type: "Reaction", reaction: { message: message.uuid, emoji } }));
    } catch (error) {
      fail(error);
    }
  });
  const quote = replyQuote(reply.text);
  const emoji = emojiPicker(reply.text);
  reply.form.querySelector(".writer-tools").append(emoji.toggle);
  const draft = draftKeeper({ accountId: viewer.account_id, userId: viewer.user.id, chatUuid });
  keepDraft(reply.text, draft);
  if (showTyping) {
    const typing = typingNotice(chatUuid);
    reply.text.addEventListener("input", () => { if (reply.text.value.trim()) typing(); });
  }
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    announce(status, t("composer.uploading", { name: file.name }));
    try {
      const uploaded = await call("POST", "/web/api/media/", form);
      onSent(await post({ type: "Message", content_type: KINDS[uploaded.kind], media: uploaded.uuid,
        text: reply.text.value.trim(), reply_to: quote.replyTo() || undefined }));
      reply.text.value = "";
      quote.clear();
      draft.clear();
      announce(status, "");
    } catch (error) {
      fail(error);
    } finally {
      fileInput.value = "";
    }
  });
  const closedHint = el("p", { class: "muted small", id: "reply-closed", hidden: true }, t("composer.window_closed"));
  const replyPanel = el("div", { role: "tabpanel", id: "panel-reply", "aria-labelledby": "tab-reply" },
    closedHint, quote.bar, emoji.picker, reply.form, choices);
  document.addEventListener("sportello:window", (event) => {
    const open = event.detail.open;
    closedHint.hidden = open;
    closedHint.textContent = t(event.detail.never ? "composer.window_never" : "composer.window_closed");
    reply.text.disabled = !open;
    reply.send.disabled = !open;
    fileInput.disabled = !open;
    choicesToggle.disabled = !open;
    emoji.toggle.disabled = !open;
  });

  // Templates
  const templatePanel = el("div", { role: "tabpanel", id: "panel-templates", "aria-labelledby": "tab-templates" },
    el("p", { class: "muted" }, t("common.loading")));
  let templatesLoaded = false;
  const loadTemplates = async () => {
    if (templatesLoaded) return;
    templatesLoaded = true;
    try {
      const page = await call("GET", "/web/api/templates/?page_size=100");
      show(templatePanel, templateForm(plainTemplates(page.results)));
    } catch (error) {
      templatesLoaded = false;
      show(templatePanel, el("p", { class: "alert", role: "alert" }, errorText(error)));
    }
  };
  const templateForm = (approved) => {
    if (!approved.length) return el("p", { class: "empty", id: "no-templates" }, t("composer.no_templates"));
    const picked = templateFields(approved, { selectId: "template-choice", fieldPrefix: "field-",
      contact });
    const send = el("button", { type: "submit", class: "primary", id: "template-send" }, t("composer.send_template"));
    const form = el("form", { class: "template-form" },
      el("label", { for: "template-choice" }, t("composer.choose_template")), picked.choose, picked.fields,
      picked.preview, el("div", { class: "send-row" }, send));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      try {
        onSent(await post({ type: "Template", ...picked.chosen() }));
        picked.reset();
        announce(status, t("composer.template_sent"), "success");
      } catch (error) {
        fail(error);
      } finally {
        send.disabled = false;
      }
    });
    return form;
  };

  // Note
  const note = writer({ id: "note", label: t("composer.note_label"), placeholder: t("composer.note_placeholder"),
    sendLabel: t("composer.add_note"),
    onSend: async (text) => {
      try {
        onSent(await post({ type: "Note", text }));
      } catch (error) {
        fail(error);
        throw error;
      }
    } });
  const notePanel = el("div", { role: "tabpanel", id: "panel-note", "aria-labelledby": "tab-note" },
    el("p", { class: "muted small" }, t("composer.note_help")), note.form);

  const panels = [replyPanel, templatePanel, notePanel];
  const names = ["reply", "templates", "note"];
  // PayPal only where the session may send payment requests and the account has it on; its code
  // comes when the tab is first chosen (most agents never open it).
  const paypalPanelBox = paypal?.enabled && viewer.permissions.can_send_paypal_in_chat
    ? el("div", { role: "tabpanel", id: "panel-paypal", "aria-labelledby": "tab-paypal" },
      el("p", { class: "muted" }, t("common.loading"))) : null;
  let paypalTab = null;
  const loadPaypal = async () => {
    paypalTab ??= import("./paypal_tab.js").then(({ paypalPanel }) =>
      paypalPanel({ chatUuid, settings: paypal, status, onSent: onPayment, panel: paypalPanelBox }));
    (await paypalTab).load();
  };
  if (paypalPanelBox) {
    panels.push(paypalPanelBox);
    names.push("paypal");
  }
  const bar = tabs(names, panels);
  bar.querySelector("#tab-templates").addEventListener("click", loadTemplates);
  bar.querySelector("#tab-templates").addEventListener("focus", loadTemplates);
  if (paypalPanelBox) {
    bar.querySelector("#tab-paypal").addEventListener("click", loadPaypal);
    bar.querySelector("#tab-paypal").addEventListener("focus", loadPaypal);
  }
  return el("footer", { class: "composer", "aria-label": t("composer.label"), "data-user": viewer.user.id }, bar, panels);
}
