// Keeps a keyboard user's place across a redraw of the dashboard's conversation tables: each
// refresh builds their rows anew, and the focused "Take over" button or "Reassign to…" select
// would go with the old row (focus falling to <body>). A control is known by what it acts on
// (the conversation's id and the action), which the new rows carry too.

export const CONTROLS = "button[data-action][data-id], select[data-id]";

// "take-over:12", "reassign:12"; null for anything else.
export function focusKey(node) {
  const id = node?.dataset?.id;
  if (!id) return null;
  const tag = String(node.tagName || "").toUpperCase();
  if (tag === "BUTTON" && node.dataset.action) return `${node.dataset.action}:${id}`;
  if (tag === "SELECT") return `reassign:${id}`;
  return null;
}

// Where the focus is among the tables: which table, which control, its position there (for
// when the control itself is gone, e.g. the button after one's own take-over). Null when the
// focus is elsewhere: a redraw then never takes it.
export function rememberFocus(tables, active = document.activeElement) {
  const table = tables.findIndex((container) => container?.contains(active));
  const key = table >= 0 ? focusKey(active) : null;
  if (!key) return null;
  const position = [...tables[table].querySelectorAll(CONTROLS)].indexOf(active);
  return { table, key, position };
}

function controls(container) {
  return [...container.querySelectorAll(CONTROLS)].filter((node) => !node.disabled);
}

// The control the remembered one became: the same in the same table, else the same elsewhere
// (the conversation moved from one table to the other), else the other control of the same
// conversation, else the one now at its place in its table (its row left the table).
export function findAgain(tables, place) {
  const own = tables[place.table] ? controls(tables[place.table]) : [];
  const everywhere = tables.filter(Boolean).flatMap(controls);
  const id = place.key.slice(place.key.indexOf(":") + 1);
  return (
    own.find((node) => focusKey(node) === place.key) ||
    everywhere.find((node) => focusKey(node) === place.key) ||
    own.find((node) => node.dataset.id === id) ||
    own[Math.min(place.position, own.length - 1)] ||
    null
  );
}

export function restoreFocus(tables, place, active = document.activeElement) {
  if (!place) return null;
  const target = findAgain(tables, place);
  if (target && target !== active) target.focus({ preventScroll: true });
  return target;
}

// A reassign select the user is on (open, or moving through its options): its table waits to be
// redrawn until the focus leaves it, so the choice is not pulled from under them.
export function choosing(tables, active = document.activeElement) {
  const key = rememberFocus(tables, active)?.key;
  return Boolean(key && key.startsWith("reassign:") && !active.disabled);
}
