// Quick-reply buttons (up to 3) or a list (up to 10 options) from the chat footer, checked against
// Meta's limits before the send so the agent reads what to fix in their own language.
import { el } from "../dom.js";
import { t } from "../i18n.js";

const LIMITS = { body: 1024, button: 20, buttons: 3, listButton: 20, section: 24, row: 24, rows: 10 };

function check({ kind, text, titles, listButton, rows }) {
  if (!text.trim()) return ["choices-text", t("choices.error_text")];
  if (kind === "buttons") {
    if (text.length > LIMITS.body) return ["choices-text", t("choices.error_text_long", { max: LIMITS.body })];
    if (!titles.length) return ["choices-button-1", t("choices.error_no_buttons")];
    const long = titles.find((title) => title.length > LIMITS.button);
    if (long) return ["choices-button-1", t("choices.error_button_long", { max: LIMITS.button, title: long })];
    if (new Set(titles).size !== titles.length) return ["choices-button-1", t("choices.error_button_twice")];
    return null;
  }
  if (!listButton || listButton.length > LIMITS.listButton) {
    return ["choices-list-button", t("choices.error_list_button", { max: LIMITS.listButton })];
  }
  if (!rows.length) return ["choices-rows", t("choices.error_no_rows")];
  if (rows.length > LIMITS.rows) return ["choices-rows", t("choices.error_rows_many", { max: LIMITS.rows })];
  const long = rows.find((row) => row.length > LIMITS.row);
  if (long) return ["choices-rows", t("choices.error_row_long", { max: LIMITS.row, title: long })];
  if (new Set(rows).size !== rows.length) return ["choices-rows", t("choices.error_row_twice")];
  return null;
}

export function choicesForm({ post, onSent, fail, done }) {
  const field = (id, label, control) => el("p", { class: "field" }, el("label", { for: id }, label), control);
  const kind = el("select", { id: "choices-kind" },
    el("option", { value: "buttons" }, t("choices.kind_buttons")), el("option", { value: "list" }, t("choices.kind_list")));
  const text = el("textarea", { id: "choices-text", rows: 2, maxlength: 4096 });
  const buttons = [1, 2, 3].map((n) => el("input", { id: `choices-button-${n}`, maxlength: LIMITS.button,
    "aria-label": t("choices.button_n", { n }), placeholder: t("choices.button_n", { n }) }));
  const listButton = el("input", { id: "choices-list-button", maxlength: LIMITS.listButton });
  const section = el("input", { id: "choices-section", maxlength: LIMITS.section });
  const rows = el("textarea", { id: "choices-rows", rows: 3 });
  const buttonsBox = el("fieldset", { class: "choices-buttons" }, el("legend", {}, t("choices.buttons")), buttons);
  const listBox = el("div", { hidden: true },
    field("choices-list-button", t("choices.list_button"), listButton),
    field("choices-section", t("choices.section"), section),
    field("choices-rows", t("choices.rows"), rows));
  const error = el("p", { class: "field-error", id: "choices-error", role: "alert" });
  const send = el("button", { type: "submit", class: "primary", id: "choices-send" }, t("composer.send"));
  const form = el("form", { class: "choices-form", id: "choices-form", hidden: true },
    field("choices-kind", t("choices.kind"), kind), field("choices-text", t("choices.text"), text),
    buttonsBox, listBox, error, el("div", { class: "send-row" }, send));
  kind.addEventListener("change", () => {
    buttonsBox.hidden = kind.value !== "buttons";
    listBox.hidden = kind.value !== "list";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = {
      kind: kind.value, text: text.value,
      titles: buttons.map((b) => b.value.trim()).filter(Boolean),
      listButton: listButton.value.trim(),
      rows: rows.value.split("\n").map((row) => row.trim()).filter(Boolean),
    };
    const problem = check(typed);
    error.textContent = problem ? problem[1] : "";
    if (problem) {
      document.getElementById(problem[0])?.focus();
      return;
    }
    const body = typed.kind === "buttons"
      ? { type: "Message", content_type: "Interactive", text: typed.text,
        buttons: typed.titles.map((title, i) => ({ id: `button-${i + 1}`, title })) }
      : { type: "Message", content_type: "List", text: typed.text, list_message: { button: typed.listButton,
        sections: [{ title: section.value.trim(), rows: typed.rows.map((title, i) => ({ id: `row-${i + 1}`, title })) }] } };
    send.disabled = true;
    try {
      onSent(await post(body));
      form.reset();
      kind.dispatchEvent(new Event("change"));
      done();
    } catch (caught) {
      fail(caught);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}
