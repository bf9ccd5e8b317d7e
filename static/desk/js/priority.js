// Priorities, most urgent first: the queue's order (conversations/list_filters.py, "priority").
// A module without the page's DOM, so the store and the filters (unit-tested in node) share it.
export const PRIORITIES = ["urgent", "high", "normal", "low"];
const RANK = Object.fromEntries(PRIORITIES.map((p, index) => [p, index]));

export function priorityRank(c) {
  return RANK[c.priority] ?? RANK.normal;
}

// The queue: the most urgent first, then who has waited longest.
export function queueOrder(a, b) {
  return priorityRank(a) - priorityRank(b) || (a.queuedAt || "").localeCompare(b.queuedAt || "") || a.id - b.id;
}
