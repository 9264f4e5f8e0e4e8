// The full app's pages say when the account has no WhatsApp number yet.
import { api } from "./api.js";
import { showNumberBanner } from "./number_banner.js";

api("GET", "/web/api/whatsapp/").then(showNumberBanner).catch(() => {});
