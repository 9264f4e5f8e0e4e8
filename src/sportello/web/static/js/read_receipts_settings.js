// Integrations / read receipts: whether customers see blue ticks when an agent reads their chat
// and "typing…" while an agent answers. On by default; the Owner and Administrators change it.
import { api } from "./api.js";
import { announce, el } from "./dom.js";
import { errorText, t } from "./i18n.js";

export async function readReceiptsCard() {
  const status = el("p", { class: "status", role: "status", "aria-live": "polite", id: "read-receipts-status" });
  const card = el("section", { class: "card form-stack", id: "read-receipts", "aria-labelledby": "read-receipts-title" },
    el("h2", { id: "read-receipts-title" }, t("read_receipts.title")));
  let current;
  try {
    current = await api("GET", "/web/api/account/settings/");
  } catch (error) {
    card.append(el("p", { class: "alert", role: "alert" }, errorText(error)));
    return card;
  }
  const toggle = el("input", { type: "checkbox", id: "send-read-receipts", "aria-describedby": "read-receipts-help" });
  toggle.checked = current.send_read_receipts;
  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    try {
      const saved = await api("PUT", "/web/api/account/settings/", { send_read_receipts: toggle.checked });
      toggle.checked = saved.send_read_receipts;
      announce(status, t(saved.send_read_receipts ? "read_receipts.turned_on" : "read_receipts.turned_off"), "success");
    } catch (error) {
      toggle.checked = !toggle.checked;
      announce(status, errorText(error), "error");
    } finally {
      toggle.disabled = false;
    }
  });
  card.append(
    el("label", { for: "send-read-receipts", class: "check" }, toggle, " ", t("read_receipts.label")),
    el("p", { class: "muted", id: "read-receipts-help" }, t("read_receipts.help")),
    status,
  );
  return card;
}
