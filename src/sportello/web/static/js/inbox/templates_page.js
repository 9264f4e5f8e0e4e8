// {APP}/templates: the account's WhatsApp templates with their review status, kept live, and a form
// to request a new one (saved as a draft, then submitted to Meta). Inside a host's frame the page has
// no branding, no navigation and no links out.
import { el, show, announce } from "../dom.js";
import { errorText, language, t } from "../i18n.js";
import { formatFull, formatNumber } from "./format.js";
import { throttled } from "./live.js";
import { call } from "./session.js";
import { startPage } from "./shell.js";
import { placeholdersOf, renderPreview } from "./template_preview.js";

const PAGE_SIZE = 50;
const API = "/web/api/templates/";
const NAME = /^[a-z0-9_]{1,512}$/;
const PLACEHOLDER = /%%([A-Z][A-Z0-9_]{0,63})%%/g;
const STARTS_WITH_PLACEHOLDER = /^%%[A-Z][A-Z0-9_]{0,63}%%/;
const ENDS_WITH_PLACEHOLDER = /%%[A-Z][A-Z0-9_]{0,63}%%$/;
const MAX_BUTTONS = 3;
const LIMITS = { header: 60, body: 1024, footer: 60, button: 25, example: 1024 };
const LANGUAGES = ["it", "en", "en_US", "en_GB", "es", "de", "fr", "pt_BR", "pt_PT", "nl"];

const CATEGORIES = [
  { value: "UTILITY", label: t("templates.category_utility"), help: t("templates.category_utility_help") },
  { value: "MARKETING", label: t("templates.category_marketing"), help: t("templates.category_marketing_help") },
  { value: "AUTHENTICATION", label: t("templates.category_authentication"),
    help: t("templates.category_authentication_help") },
];
const STATUSES = {
  draft: t("templates.status_draft"),
  pending: t("templates.status_pending"),
  approved: t("templates.status_approved"),
  rejected: t("templates.status_rejected"),
  paused: t("templates.status_paused"),
  disabled: t("templates.status_disabled"),
};
// Template-specific refusals in the page's language; any other code goes through errorText.
const ERRORS = {
  template_invalid_name: t("templates.error_invalid_name"),
  template_text_too_long: t("templates.error_text_too_long"),
  too_many_placeholders: t("templates.error_too_many_placeholders"),
  malformed_placeholder: t("templates.error_malformed_placeholder"),
  placeholder_without_example: t("templates.error_placeholder_without_example"),
  placeholder_at_edge: t("templates.error_placeholder_at_edge"),
  too_few_words: t("templates.error_too_few_words"),
  template_exists: t("templates.error_exists"),
  template_not_editable: t("templates.error_not_editable"),
  template_not_found: t("templates.error_not_found"),
  forbidden: t("templates.error_forbidden"),
};

const state = { search: "", page: 1 };
const known = new Map(); // template id → status, to announce live changes
let latest = new Map(); // template id → template, as last listed
let firstLoad = true;
let shownPage = null;
let canManage = false;
let editInForm = null; // set by the request form: fills it with a template to change and submit again

const pageStatus = el("p", { class: "status", role: "status", "aria-live": "polite", id: "templates-status" });
const listRegion = el("div", { id: "templates-list", "aria-busy": "true" });

const templateError = (error) => ERRORS[error.code] ?? errorText(error);
const statusLabel = (status) => STATUSES[status] ?? status;
const categoryLabel = (value) => CATEGORIES.find((c) => c.value === value)?.label ?? value;

let languageNames = null;
try {
  languageNames = new Intl.DisplayNames([language], { type: "language" });
} catch {
  languageNames = null;
}

function languageLabel(code) {
  try {
    const name = languageNames?.of(code.replace("_", "-"));
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

// The list

function statusCell(template) {
  return el("td", { "data-label": t("templates.column_status") },
    el("span", { class: `badge badge-${template.status}`, "data-status": template.status },
      statusLabel(template.status)),
    template.status === "rejected" && (template.rejection_code || template.rejection_reason)
      ? el("p", { class: "rejection" }, el("span", { class: "rejection-label" }, t("templates.rejection_reason")), " ",
        el("span", { class: "rejection-text", text: rejectionText(template) }),
        template.rejection_recommendation
          ? [" ", el("span", { class: "rejection-advice",
            text: t("templates.rejection_recommendation", { text: template.rejection_recommendation }) })]
          : null)
      : null);
}

// Meta's reason code said in the agent's language; a code Meta adds later, or a template
// rejected before Sportello kept codes, reads as Meta wrote it.
function rejectionText(template) {
  // A reason stored as Meta's bare code (before codes were kept apart) reads as the same sentence.
  const bare = /^[A-Z_]+$/.test(template.rejection_reason || "") ? template.rejection_reason : "";
  const code = template.rejection_code || bare;
  const key = `templates.rejection.${code}`;
  const sentence = t(key);
  if (code && sentence !== key) return sentence;
  return code && !template.rejection_reason ? t("templates.rejection_other", { code }) : template.rejection_reason;
}

function rowActions(template) {
  const cell = el("td", { "data-label": t("templates.column_actions") });
  const deleteButton = el("button", { type: "button", class: "danger delete-template",
    "aria-label": t("templates.delete_named", { name: template.name }), onclick: () => confirming() },
  t("templates.delete"));
  const changeable = template.status === "draft" || template.status === "rejected";
  const normal = () => show(cell, el("div", { class: "row-actions" },
    changeable && editInForm
      ? el("button", { type: "button", class: "edit-template", "aria-label": t("templates.edit_named", { name: template.name }),
        onclick: () => editInForm(template) }, t("templates.edit"))
      : null,
    changeable
      ? el("button", { type: "button", class: "submit-template",
        "aria-label": t("templates.submit_named", { name: template.name }),
        onclick: (event) => submitExisting(template, event.currentTarget) }, t("templates.submit"))
      : null,
    deleteButton));
  // Asked in the page, not with window.confirm, which a host's frame may not be allowed to open.
  const confirming = () => {
    const question = template.status === "draft"
      ? t("templates.confirm_delete_draft", { name: template.name })
      : t("templates.confirm_delete", { name: template.name });
    const yes = el("button", { type: "button", class: "danger confirm-delete",
      onclick: () => deleteTemplate(template, yes) }, t("templates.delete_confirm"));
    show(cell, el("div", { class: "row-actions confirm", role: "group", "aria-label": question },
      el("span", { class: "confirm-question" }, question), yes,
      el("button", { type: "button", class: "cancel-delete", onclick: () => { normal(); deleteButton.focus(); } },
        t("common.cancel"))));
    yes.focus();
  };
  normal();
  return cell;
}

function templateRow(template) {
  const content = template.content || {};
  return el("tr", { "data-template-id": String(template.id), "data-status": template.status },
    el("th", { scope: "row", "data-label": t("templates.column_name") },
      el("span", { class: "template-name", text: template.name }),
      el("details", { class: "template-details" },
        el("summary", {}, t("templates.show_preview")),
        renderPreview(content, content.examples || {}))),
    el("td", { "data-label": t("templates.column_language") }, languageLabel(template.language)),
    el("td", { "data-label": t("templates.column_category") }, categoryLabel(template.category),
      template.subcategory === PAYMENT ? el("span", { class: "tag payment-tag" }, t("templates.payment_tag")) : null),
    statusCell(template),
    el("td", { "data-label": t("templates.column_updated") },
      el("time", { datetime: template.updated_datetime }, formatFull(template.updated_datetime))),
    canManage ? rowActions(template) : null);
}

function pager(data) {
  const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE));
  if (pages <= 1) return null;
  const go = (page) => { state.page = page; load({ announceCount: true }); };
  return el("nav", { class: "pager", "aria-label": t("templates.pages") },
    el("button", { type: "button", disabled: !data.previous, onclick: () => go(state.page - 1) }, t("common.previous")),
    el("span", {}, t("templates.page_of", { page: formatNumber(state.page), pages: formatNumber(pages) })),
    el("button", { type: "button", disabled: !data.next, onclick: () => go(state.page + 1) }, t("common.next")));
}

function table(results) {
  return el("table", { class: "table templates-table", id: "templates-table" },
    el("caption", { class: "visually-hidden" }, t("templates.list_label")),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("templates.column_name")),
      el("th", { scope: "col" }, t("templates.column_language")),
      el("th", { scope: "col" }, t("templates.column_category")),
      el("th", { scope: "col" }, t("templates.column_status")),
      el("th", { scope: "col" }, t("templates.column_updated")),
      canManage ? el("th", { scope: "col" }, t("templates.column_actions")) : null)),
    el("tbody", {}, results.map(templateRow)));
}

// Status changes since the last load, as one sentence for the live region.
function changes(results) {
  const changed = results.filter((x) => known.has(x.id) && known.get(x.id) !== x.status);
  for (const template of results) known.set(template.id, template.status);
  return changed.map((x) => t("templates.status_changed", { name: x.name, status: statusLabel(x.status) })).join(" ");
}

async function load({ announceCount = false } = {}) {
  listRegion.setAttribute("aria-busy", "true");
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.search) query.set("search", state.search);
  try {
    const data = await call("GET", `${API}?${query}`);
    if (!data.results.length && state.page > 1) {
      state.page -= 1;
      return load({ announceCount });
    }
    const changed = renderTemplates(data);
    if (!changed && announceCount) announce(pageStatus, t("templates.count", { count: formatNumber(data.count) }));
  } catch (error) {
    if (error.status === 401) return;
    show(listRegion, el("div", { class: "alert", role: "alert", id: "templates-error" },
      el("span", {}, templateError(error)), " ",
      el("button", { type: "button", id: "templates-retry", onclick: () => load({ announceCount: true }) },
        t("common.retry"))));
  } finally {
    listRegion.setAttribute("aria-busy", "false");
  }
}

// The page as listed, redrawn from what it holds; a status that changed is said in the live region.
function renderTemplates(data) {
  shownPage = data;
  latest = new Map(data.results.map((x) => [x.id, x]));
  const changed = firstLoad ? "" : changes(data.results);
  if (firstLoad) changes(data.results);
  firstLoad = false;
  show(listRegion,
    data.results.length
      ? el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "templates-list-title" },
        table(data.results))
      : el("p", { class: "empty", id: "templates-empty" },
        state.search ? t("templates.empty_search", { search: state.search }) : t("templates.empty")),
    pager(data));
  if (changed) announce(pageStatus, changed, "success");
  return changed;
}

// A template event changes a listed template in place; a new or deleted one changes the page's
// order and count, which the server answers (asked at most every 300 ms while events come).
const reloadSoon = throttled(() => load(), 300);

function applyTemplateEvents(events) {
  let ask = false;
  let results = null;
  for (const e of events) {
    if (e.kind !== "template") continue;
    const template = e.data;
    if (!template || template.deleted || !latest.has(template.id) || !shownPage) {
      ask = true;
      continue;
    }
    results = (results ?? shownPage.results).map((x) => (x.id === template.id ? template : x));
  }
  if (results) renderTemplates({ ...shownPage, results });
  if (ask) reloadSoon();
}

async function submitExisting(template, button) {
  button.disabled = true;
  try {
    await call("POST", `${API}${template.id}/submit/`);
    announce(pageStatus, t("templates.submitted", { name: template.name }), "success");
  } catch (error) {
    announce(pageStatus, t("templates.submit_failed", { name: template.name, error: templateError(error) }), "error");
  } finally {
    button.disabled = false;
    await load();
  }
}

async function deleteTemplate(template, button) {
  button.disabled = true;
  try {
    await call("DELETE", `${API}${template.id}/`);
    known.delete(template.id);
    announce(pageStatus, t("templates.deleted", { name: template.name }), "success");
    document.getElementById("templates-search")?.focus();
  } catch (error) {
    button.disabled = false;
    announce(pageStatus, templateError(error), "error");
  }
  await load();
}

function listSection() {
  const search = el("input", { type: "search", id: "templates-search", maxlength: 100, autocomplete: "off",
    placeholder: t("templates.search_placeholder") });
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.search = search.value.trim().toLowerCase();
      state.page = 1;
      load({ announceCount: true });
    }, 250);
  });
  return el("section", { class: "templates-list-section", "aria-labelledby": "templates-list-title" },
    el("h2", { id: "templates-list-title" }, t("templates.list_title")),
    el("div", { class: "toolbar", role: "search" },
      el("div", { class: "field search-box" },
        el("label", { for: "templates-search" }, t("templates.search")), search)),
    listRegion);
}

// The request form

// A name Meta accepts, from what was typed: "Order Ready!" → "order_ready".
function suggestName(value) {
  return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "").slice(0, 512);
}

function field({ id, label, input, hint = null, extra = null }) {
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    input,
    hint ? el("p", { class: "hint", id: hintId }, hint) : null,
    extra);
}

function counter(input, limit) {
  const output = el("span", { class: "counter", "aria-hidden": "true" });
  const update = () => {
    output.textContent = `${formatNumber(input.value.length)}/${formatNumber(limit)}`;
    output.dataset.full = String(input.value.length >= limit);
  };
  input.addEventListener("input", update);
  update();
  return { output, update };
}

// Meta's placement rules, checked as the person types (the server checks them again).
function textProblems(content, examples) {
  const problems = [];
  const body = content.body.trim();
  const bodyCodes = [...new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1]))];
  const stray = (text) => text.replace(PLACEHOLDER, "").includes("%%");
  const malformed = [["header", content.header], ["body", body], ["footer", content.footer]]
    .find(([, text]) => stray(text));
  if (malformed) problems.push({ field: malformed[0], text: t("templates.error_malformed_placeholder") });
  if (new Set([...content.header.matchAll(PLACEHOLDER)].map((m) => m[1])).size > 1) {
    problems.push({ field: "header", text: t("templates.problem_header_one_placeholder") });
  }
  if (placeholdersOf({ footer: content.footer }).length) {
    problems.push({ field: "footer", text: t("templates.problem_footer_placeholder") });
  }
  if (bodyCodes.length) {
    if (STARTS_WITH_PLACEHOLDER.test(body) || ENDS_WITH_PLACEHOLDER.test(body)) {
      problems.push({ field: "body", text: t("templates.error_placeholder_at_edge") });
    }
    const words = body.replace(PLACEHOLDER, " ").split(/\s+/).filter(Boolean).length;
    if (words < 2 * bodyCodes.length + 1) {
      problems.push({ field: "body",
        text: t("templates.problem_too_few_words", { words: formatNumber(2 * bodyCodes.length + 1) }) });
    }
  }
  const missing = placeholdersOf(content).filter((code) => !(examples[code] || "").trim());
  if (missing.length) {
    problems.push({ field: `example-${missing[0]}`, text: t("templates.problem_missing_example", { code: missing[0] }) });
  }
  return problems;
}

const PAYMENT = "payment_request";
const PAYMENT_CODES = ["SPOKI_PAYMENT_REQUEST_AMOUNT", "SPOKI_PAYMENT_REQUEST_LINK"];
const PAYMENT_OPTIONAL = "SPOKI_PAYMENT_REQUEST_DESCRIPTION";

// A payment template (PayPal) carries the amount and the link, may carry the description, and
// nothing else: the same rule as the server's (sportello/templates/service.py).
function paymentProblem(codes) {
  if (!PAYMENT_CODES.every((code) => codes.includes(code))) return t("error.payment_placeholders_missing");
  if (codes.some((code) => !PAYMENT_CODES.includes(code) && code !== PAYMENT_OPTIONAL)) {
    return t("error.payment_placeholder_unknown");
  }
  return null;
}

function requestForm() {
  const examples = {}; // code → example, kept while a code comes and goes
  let saved = null; // the draft this form created and could not submit: {key, template}
  let editing = null; // the rejected template (or draft) being changed, to submit again
  let keptButtons = []; // its buttons this form does not edit (a link, a phone number): kept as they are

  const name = el("input", { id: "template-name", required: true, maxlength: 512, autocomplete: "off",
    spellcheck: "false", autocapitalize: "none", pattern: "[a-z0-9_]+" });
  const nameMessage = el("p", { class: "field-error", id: "template-name-error", hidden: true });
  const suggestion = el("button", { type: "button", class: "link name-suggestion", hidden: true });
  const category = el("select", { id: "template-category" },
    CATEGORIES.map((c) => el("option", { value: c.value }, c.label)));
  const categoryHint = el("p", { class: "hint", id: "template-category-hint" });
  category.setAttribute("aria-describedby", "template-category-hint");
  const payment = el("input", { type: "checkbox", id: "template-payment", "aria-describedby": "template-payment-hint" });
  payment.addEventListener("change", () => {
    if (payment.checked) category.value = "MARKETING";
    category.disabled = payment.checked;
    redraw();
  });
  const languageSelect = el("select", { id: "template-language" },
    LANGUAGES.map((code) => el("option", { value: code, selected: code === language }, languageLabel(code))));
  const header = el("input", { id: "template-header", maxlength: LIMITS.header, autocomplete: "off" });
  const body = el("textarea", { id: "template-body", required: true, rows: 6, maxlength: LIMITS.body });
  const bodyProblems = el("ul", { class: "field-problems", id: "template-body-problems" });
  const footer = el("input", { id: "template-footer", maxlength: LIMITS.footer, autocomplete: "off" });
  const exampleList = el("div", { class: "examples-list", id: "template-examples-list" });
  const examplesBox = el("fieldset", { class: "examples", id: "template-examples", hidden: true },
    el("legend", {}, t("templates.examples_legend")),
    el("p", { class: "hint" }, t("templates.examples_help")),
    exampleList);
  const buttonList = el("ol", { class: "button-list", id: "template-buttons" });
  const addButton = el("button", { type: "button", id: "template-add-button" }, t("templates.add_button"));
  const preview = el("div", { class: "preview-phone", id: "template-preview" });
  // A fresh role=alert element per error: screen readers announce an alert as it is inserted.
  const formError = el("div", { class: "form-error-box" });
  const formStatus = el("p", { class: "status", role: "status", "aria-live": "polite", id: "template-form-status" });
  const submit = el("button", { type: "submit", class: "primary", id: "template-submit" }, t("templates.submit_request"));
  const counters = [counter(header, LIMITS.header), counter(body, LIMITS.body), counter(footer, LIMITS.footer)];

  const buttonInputs = () => [...buttonList.querySelectorAll("input")];
  const content = () => ({
    header: header.value,
    body: body.value,
    footer: footer.value,
    buttons: [...buttonInputs().map((input) => ({ type: "QUICK_REPLY", text: input.value.trim() }))
      .filter((button) => button.text), ...keptButtons],
  });

  function checkName() {
    const value = name.value;
    const valid = !value || NAME.test(value);
    name.setAttribute("aria-invalid", String(!valid));
    nameMessage.hidden = valid;
    nameMessage.textContent = valid ? "" : t("templates.name_invalid");
    const suggested = valid ? "" : suggestName(value);
    suggestion.hidden = !suggested;
    suggestion.textContent = suggested ? t("templates.name_use_suggestion", { name: suggested }) : "";
    suggestion.dataset.name = suggested;
    name.setAttribute("aria-describedby", valid ? "template-name-hint" : "template-name-hint template-name-error");
    return valid && Boolean(value);
  }

  function drawExamples() {
    const codes = placeholdersOf(content());
    const shown = [...exampleList.querySelectorAll("input")].map((input) => input.dataset.code);
    if (codes.join() !== shown.join()) {
      const focused = document.activeElement?.dataset?.code;
      show(exampleList, codes.map((code) => {
        const input = el("input", { id: `example-${code}`, "data-code": code, required: true,
          maxlength: LIMITS.example, autocomplete: "off" });
        input.value = examples[code] || "";
        input.addEventListener("input", () => { examples[code] = input.value; redraw(); });
        return el("div", { class: "field" },
          el("label", { for: `example-${code}` }, t("templates.example_for", { code: `%%${code}%%` })), input);
      }));
      if (focused) document.getElementById(`example-${focused}`)?.focus();
    }
    examplesBox.hidden = codes.length === 0;
  }

  function drawProblems() {
    const problems = textProblems(content(), examples).filter((p) => !p.field.startsWith("example-"));
    show(bodyProblems, problems.map((p) => el("li", {}, p.text)));
    body.setAttribute("aria-invalid", String(problems.some((p) => p.field === "body")));
  }

  function redraw() {
    drawExamples();
    drawProblems();
    const values = {};
    for (const code of placeholdersOf(content())) values[code] = examples[code] || "";
    const current = content();
    show(preview, current.header.trim() || current.body.trim() || current.footer.trim() || current.buttons.length
      ? renderPreview(current, values)
      : el("p", { class: "preview-empty", id: "template-preview-empty" }, t("templates.preview_empty")));
    categoryHint.textContent = CATEGORIES.find((c) => c.value === category.value)?.help ?? "";
    addButton.disabled = buttonInputs().length >= MAX_BUTTONS;
  }

  function renumberButtons() {
    buttonInputs().forEach((input, index) => {
      const number = formatNumber(index + 1);
      input.id = `template-button-${index + 1}`;
      input.previousElementSibling.setAttribute("for", input.id);
      input.previousElementSibling.textContent = t("templates.button_label", { number });
      input.nextElementSibling.setAttribute("aria-label", t("templates.remove_button", { number }));
    });
  }

  function addQuickReply(text = "") {
    if (buttonInputs().length >= MAX_BUTTONS) return null;
    const input = el("input", { maxlength: LIMITS.button, autocomplete: "off" });
    input.value = text;
    input.addEventListener("input", redraw);
    const row = el("li", { class: "button-row" }, el("label", {}), input,
      el("button", { type: "button", class: "remove-button", onclick: () => {
        const next = row.nextElementSibling?.querySelector("input") || row.previousElementSibling?.querySelector("input");
        row.remove();
        renumberButtons();
        redraw();
        (next || addButton).focus();
      } }, t("templates.remove")));
    buttonList.append(row);
    renumberButtons();
    redraw();
    return input;
  }

  function reset() {
    editing = null;
    keptButtons = [];
    showMode();
    for (const input of [name, header, body, footer]) input.value = "";
    for (const code of Object.keys(examples)) delete examples[code];
    buttonList.replaceChildren();
    category.value = CATEGORIES[0].value;
    payment.checked = false;
    category.disabled = false;
    languageSelect.value = LANGUAGES.includes(language) ? language : "en";
    checkName();
    counters.forEach((c) => c.update());
    redraw();
  }

  const title = () => document.getElementById("template-request-title");
  const cancelEdit = el("button", { type: "button", id: "template-cancel-edit", hidden: true,
    onclick: () => { reset(); name.focus(); } }, t("templates.cancel_edit"));
  function showMode() {
    if (title()) title().textContent = editing ? t("templates.edit_title", { name: editing.name }) : t("templates.request_title");
    submit.textContent = editing ? t("templates.resubmit") : t("templates.submit_request");
    cancelEdit.hidden = !editing;
  }

  // A rejected template (or a draft) back in the form, as it was requested, to fix and submit again.
  editInForm = (template) => {
    reset();
    editing = template;
    const current = template.content || {};
    name.value = template.name;
    languageSelect.value = template.language;
    if (languageSelect.value !== template.language) {
      languageSelect.append(el("option", { value: template.language }, languageLabel(template.language)));
      languageSelect.value = template.language;
    }
    payment.checked = template.subcategory === PAYMENT;
    category.value = template.category;
    category.disabled = payment.checked;
    header.value = current.header || "";
    body.value = current.body || "";
    footer.value = current.footer || "";
    Object.assign(examples, current.examples || {});
    keptButtons = (current.buttons || []).filter((b) => b.type !== "QUICK_REPLY");
    for (const button of current.buttons || []) if (button.type === "QUICK_REPLY") addQuickReply(button.text);
    checkName();
    counters.forEach((c) => c.update());
    redraw();
    showMode();
    formError.replaceChildren();
    body.focus();
  };

  function fail(text, focusId = null) {
    show(formError, el("p", { class: "alert", role: "alert", id: "template-form-error" }, text));
    announce(formStatus, "");
    if (focusId) document.getElementById(focusId)?.focus();
  }

  async function onSubmit(event) {
    event.preventDefault();
    formError.replaceChildren();
    if (!checkName()) return fail(name.value ? t("templates.name_invalid") : t("templates.name_required"), "template-name");
    const current = content();
    if (!current.body.trim()) return fail(t("templates.body_required"), "template-body");
    const problems = textProblems(current, examples);
    if (problems.length) return fail(problems[0].text, problems[0].field.startsWith("example-")
      ? problems[0].field : `template-${problems[0].field}`);
    const codes = placeholdersOf(current);
    const paymentError = payment.checked ? paymentProblem(codes) : null;
    if (paymentError) return fail(paymentError, "template-body");
    const payload = {
      name: name.value,
      language: languageSelect.value,
      category: category.value,
      subcategory: payment.checked ? PAYMENT : "",
      content: { ...current, examples: Object.fromEntries(codes.map((code) => [code, examples[code].trim()])) },
    };
    const key = JSON.stringify(payload);
    if (editing) return resubmit(payload);
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    announce(formStatus, t("templates.sending"));
    try {
      let draft;
      try {
        if (saved && saved.key !== key) {
          // The person changed the request after a failed submit: the old draft (never sent to Meta)
          // is replaced, so the same name does not collide with it.
          if (latest.get(saved.template.id)?.status === "draft") {
            await call("DELETE", `${API}${saved.template.id}/`).catch(() => null);
          }
          saved = null;
        }
        draft = saved ? saved.template : await call("POST", API, payload);
        saved = { key, template: draft };
      } catch (error) {
        return fail(templateError(error), error.code === "template_exists" ? "template-name" : null);
      }
      try {
        await call("POST", `${API}${draft.id}/submit/`);
      } catch (error) {
        return fail(t("templates.draft_kept", { error: templateError(error) }));
      }
      saved = null;
      reset();
      announce(formStatus, t("templates.submitted", { name: draft.name }), "success");
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      await load();
    }
  }

  // The changed template saved over the one being edited, then submitted to Meta again.
  async function resubmit(payload) {
    const template = editing;
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    announce(formStatus, t("templates.sending"));
    try {
      try {
        await call("PATCH", `${API}${template.id}/`, payload);
      } catch (error) {
        return fail(templateError(error), error.code === "template_exists" ? "template-name" : null);
      }
      try {
        await call("POST", `${API}${template.id}/submit/`);
      } catch (error) {
        return fail(t("templates.submit_failed", { name: payload.name, error: templateError(error) }));
      }
      reset();
      announce(formStatus, t("templates.submitted", { name: payload.name }), "success");
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      await load();
    }
  }

  name.addEventListener("input", checkName);
  suggestion.addEventListener("click", () => {
    name.value = suggestion.dataset.name;
    checkName();
    name.focus();
  });
  for (const input of [header, body, footer]) input.addEventListener("input", redraw);
  category.addEventListener("change", redraw);
  addButton.addEventListener("click", () => addQuickReply()?.focus());

  const form = el("form", { id: "template-request", class: "template-request", novalidate: true,
    "aria-labelledby": "template-request-title", onsubmit: onSubmit },
  el("div", { class: "request-fields" },
    field({ id: "template-name", label: t("templates.name"), input: name, hint: t("templates.name_help"),
      extra: [nameMessage, suggestion] }),
    el("div", { class: "field-pair" },
      field({ id: "template-category", label: t("templates.category"), input: category, extra: categoryHint }),
      field({ id: "template-language", label: t("templates.language"), input: languageSelect })),
    el("div", { class: "check-field" }, payment,
      el("label", { for: "template-payment" }, t("templates.payment_request")),
      el("p", { class: "hint", id: "template-payment-hint" }, t("templates.payment_help"))),
    el("p", { class: "hint placeholders-help", id: "template-placeholders-help" }, t("templates.placeholders_help")),
    field({ id: "template-header", label: t("templates.header"), input: header, hint: t("templates.header_help"),
      extra: counters[0].output }),
    field({ id: "template-body", label: t("templates.body"), input: body, hint: t("templates.body_help"),
      extra: [counters[1].output, bodyProblems] }),
    field({ id: "template-footer", label: t("templates.footer"), input: footer, hint: t("templates.footer_help"),
      extra: counters[2].output }),
    examplesBox,
    el("fieldset", { class: "buttons-box" },
      el("legend", {}, t("templates.buttons_legend")),
      el("p", { class: "hint" }, t("templates.buttons_help")),
      buttonList, addButton)),
  el("section", { class: "preview-box", "aria-labelledby": "template-preview-title" },
    el("h3", { id: "template-preview-title" }, t("templates.preview")),
    preview),
  // After the preview, so that on a narrow screen the message is seen before it is sent.
  el("div", { class: "request-actions" }, formError, el("div", { class: "actions" }, submit, cancelEdit), formStatus));
  body.setAttribute("aria-describedby", "template-body-hint template-placeholders-help template-body-problems");
  header.setAttribute("aria-describedby", "template-header-hint template-placeholders-help");
  reset();
  return form;
}

function requestSection() {
  return el("section", { class: "templates-request-section card", "aria-labelledby": "template-request-title" },
    el("h2", { id: "template-request-title" }, t("templates.request_title")),
    canManage ? requestForm() : el("p", { class: "note", id: "templates-request-not-allowed" },
      t("templates.request_not_allowed")));
}

async function main() {
  const started = await startPage({
    title: t("nav.templates"),
    onEvents: (events) => {
      applyTemplateEvents(events);
    },
    onReady: ({ first, resync }) => {
      if (resync || (!first && document.getElementById("templates-error"))) reloadSoon();
    },
  });
  if (!started) return;
  const { viewer, main: root, header } = started;
  canManage = viewer.user.role !== "Chat Operator";
  show(root, header, pageStatus, el("div", { class: "templates-layout" }, listSection(), requestSection()));
  listRegion.replaceChildren(el("p", { class: "muted loading", id: "templates-loading" }, t("common.loading")));
  await load();
}

main();
