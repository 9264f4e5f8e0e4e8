// "No WhatsApp number yet": said on every page of an account that has none. Those who may connect
// one get a link to Integrations; the others (and every frame) a plain sentence.
import { el } from "./dom.js";
import { t } from "./i18n.js";

export function showNumberBanner(setup) {
  if (!setup || setup.connected || document.getElementById("no-number")) return;
  const banner = el("p", { class: "number-banner", id: "no-number", role: "note" },
    setup.can_connect
      ? [t("number.missing"), " ", el("a", { href: "/integrations#whatsapp" }, t("number.connect_link"))]
      : t("number.missing_ask"));
  document.getElementById("main")?.before(banner);
}
