// #PLACEHOLDER# filling, the same rule as the server's (outreach/templates.py): the variable
// "First Name" fills #FIRST_NAME#; a placeholder nobody has a value for stays as it is.
export const PLACEHOLDER = /#([^#\s]+)#/g;

export function placeholderKey(name) {
  return String(name).trim().replace(/[\s-]+/g, "_").toUpperCase();
}

export function contactValues(contact) {
  const values = {};
  for (const v of (contact && contact.variables) || []) {
    if (v && typeof v.name === "string" && v.value !== null && v.value !== undefined && v.value !== "") {
      values[placeholderKey(v.name)] = String(v.value);
    }
  }
  return values;
}

export function placeholders(text) {
  return [...new Set([...String(text || "").matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

export function fill(text, values) {
  const missing = [];
  const filled = String(text || "").replace(PLACEHOLDER, (all, key) => {
    const value = String(values[key] ?? "").trim();
    if (!value && !missing.includes(key)) missing.push(key);
    return value || all;
  });
  return { text: filled, missing };
}
