import { _, fmt, language } from "./i18n.js";

export const URGENT_SECONDS = 5 * 60;

export function parse(iso) {
  return iso ? new Date(iso) : null;
}

export function secondsUntil(iso, now = Date.now()) {
  const at = parse(iso);
  return at ? Math.floor((at.getTime() - now) / 1000) : null;
}

// "12:05" while under an hour, "1 h 20 min" beyond.
export function countdown(seconds) {
  if (seconds === null) return "";
  const s = Math.max(0, seconds);
  if (s >= 3600) {
    return fmt(_("%(h)s h %(m)s min"), { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  }
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

// "3 min", "2 h", "4 d" since a moment.
export function elapsed(iso, now = Date.now()) {
  const at = parse(iso);
  if (!at) return "";
  const s = Math.max(0, Math.floor((now - at.getTime()) / 1000));
  if (s < 60) return _("just now");
  if (s < 3600) return fmt(_("%(n)s min"), { n: Math.floor(s / 60) });
  if (s < 86400) return fmt(_("%(n)s h"), { n: Math.floor(s / 3600) });
  return fmt(_("%(n)s d"), { n: Math.floor(s / 86400) });
}

// The operator's time zone as the page names it (<html data-time-zone>: their own choice, or
// the desk's); with none, or one this browser does not know, the browser's own zone.
export function timeZone() {
  const zone = document.documentElement.dataset?.timeZone;
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

// "2024-03-11": the calendar day of a moment in a zone, to tell "today" there.
function dayIn(at, zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

export function clock(iso) {
  const at = parse(iso);
  if (!at) return "";
  const zone = timeZone();
  const sameDay = dayIn(at, zone) === dayIn(new Date(), zone);
  const options = sameDay ? { hour: "2-digit", minute: "2-digit" } : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return at.toLocaleString(language(), { ...options, timeZone: zone });
}

export function fullDate(iso) {
  const at = parse(iso);
  return at ? at.toLocaleString(language(), { dateStyle: "medium", timeStyle: "short", timeZone: timeZone() }) : "";
}
