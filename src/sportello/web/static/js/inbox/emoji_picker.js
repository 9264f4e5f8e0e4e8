// A small emoji picker for the reply box: a curated list drawn as text in the system's emoji font
// (the list itself is loaded on the first open), arrow keys to move, Enter to insert, Esc to close.
import { el } from "../dom.js";
import { icon } from "../icons.js";
import { t } from "../i18n.js";

export function emojiPicker(textarea) {
  const toggle = el("button", { type: "button", class: "icon-button", id: "emoji-open", "aria-expanded": "false",
    "aria-controls": "emoji-picker", "aria-label": t("emoji.open"), title: t("emoji.open") }, icon("smile"));
  const cells = [];
  const picker = el("div", { class: "emoji-picker", id: "emoji-picker", role: "dialog", "aria-label": t("emoji.open"),
    hidden: true });
  // The list is fetched on the first open: most replies never need it.
  let loaded = null;
  const load = () => loaded ??= import("./emoji_groups.js").then(({ GROUPS }) => {
    picker.append(...Object.entries(GROUPS).map(([name, list]) => {
      const label = t(`emoji.group_${name}`);
      return el("div", { role: "group", "aria-label": label }, el("p", { class: "emoji-group small muted" }, label),
        el("div", { class: "emoji-grid" }, list.split(" ").map((emoji) => {
          const cell = el("button", { type: "button", class: "emoji", tabindex: "-1", "aria-label": emoji }, emoji);
          cells.push(cell);
          return cell;
        })));
    }));
  });
  let at = 0;
  const focusCell = (index) => {
    cells[at].tabIndex = -1;
    at = (index + cells.length) % cells.length;
    cells[at].tabIndex = 0;
    cells[at].focus();
  };
  const close = (refocus) => {
    picker.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (refocus) textarea.focus();
  };
  const insert = (emoji) => {
    // At the caret (or over the selection), as typing would; "input" keeps the draft and the typing notice.
    textarea.setRangeText(emoji, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };
  toggle.addEventListener("click", async () => {
    if (!picker.hidden) return close(true);
    await load();
    picker.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    focusCell(at);
  });
  picker.addEventListener("click", (event) => {
    const cell = event.target.closest(".emoji");
    if (!cell) return;
    insert(cell.textContent);
    close(true);
  });
  picker.addEventListener("keydown", (event) => {
    const columns = Math.max(1, Math.round(picker.querySelector(".emoji-grid").clientWidth / cells[0].offsetWidth));
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[event.key];
    if (step) {
      event.preventDefault();
      focusCell(at + step);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    }
  });
  return { toggle, picker };
}
