// Strings come from the language catalog the server put in the boot data; dates and numbers use Intl.
import { boot } from "./boot.js";

const catalog = boot.catalog || {};
export const language = boot.language || "en";

export function t(key, params = {}) {
  let text = catalog[key] ?? key;
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

// An API error shown to a person: the translated sentence for its code, else the server's own.
export function errorText(error) {
  const key = `error.${error.code}`;
  return catalog[key] ?? error.detail ?? t("error.generic");
}

export function formatDate(value) {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium" }).format(new Date(value));
}
