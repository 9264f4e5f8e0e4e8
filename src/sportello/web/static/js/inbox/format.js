// Dates, times and numbers in the page's language, with Intl.
import { language, t } from "../i18n.js";

const time = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
const day = new Intl.DateTimeFormat(language, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const short = new Intl.DateTimeFormat(language, { day: "numeric", month: "short" });
const full = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto" });

export const formatTime = (value) => time.format(new Date(value));
export const formatDay = (value) => day.format(new Date(value));
export const formatFull = (value) => full.format(new Date(value));
export const formatNumber = (value) => new Intl.NumberFormat(language).format(value);

export function dayKey(value) {
  const date = new Date(value);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

// "14:05" today, "12 Nov" before.
export function formatWhen(value) {
  const date = new Date(value);
  return dayKey(date) === dayKey(new Date()) ? time.format(date) : short.format(date);
}

export function formatDayLabel(value) {
  const date = new Date(value);
  const days = Math.round((new Date().setHours(0, 0, 0, 0) - new Date(value).setHours(0, 0, 0, 0)) / 86400000);
  return days <= 1 ? capitalise(relative.format(-days, "day")) : formatDay(date);
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

// "3 h" and the like for the 24-hour window.
export function formatDuration(ms) {
  const hours = Math.floor(ms / 3600000);
  const minutes = Math.max(1, Math.round((ms % 3600000) / 60000));
  const unit = (value, name) => new Intl.NumberFormat(language, { style: "unit", unit: name, unitDisplay: "long" })
    .format(value);
  return hours >= 1 ? unit(hours, "hour") : unit(minutes, "minute");
}

const plurals = new Intl.PluralRules(language);

// A sentence with a count, by the language's plural rules: the catalog has `key.one` and `key.other`
// (and `key.many` or others where a language needs them; `other` stands in for a form it lacks).
export function tCount(key, count, params = {}) {
  const values = { ...params, count: formatNumber(count) };
  const exact = `${key}.${plurals.select(count)}`;
  const text = t(exact, values);
  return text === exact ? t(`${key}.other`, values) : text;
}
