// Translations come from Django's JavaScriptCatalog (/jsi18n/, a script of the desk's own).
// Without it (it failed to load) the English source strings are shown.

export function _(text) {
  return typeof globalThis.gettext === "function" ? globalThis.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (typeof globalThis.ngettext === "function") return globalThis.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// interpolate("%(name)s waits", {name}) — named placeholders only.
export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, (all, key) => (key in values ? String(values[key]) : all));
}

export function language() {
  return document.documentElement.lang || "en";
}

export function pgettext(context, text) {
  return typeof globalThis.pgettext === "function" ? globalThis.pgettext(context, text) : text;
}
