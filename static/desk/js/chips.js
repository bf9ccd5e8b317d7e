// How labels and priorities look: a label's chip (its palette colour, static/labels.css), a
// priority's name, and the badges of a list row.
import { h } from "./dom.js";
import { _, fmt } from "./i18n.js";

const ROW_CHIPS = 3; // a list row shows this many labels, then "+n"

export function priorityName(priority) {
  return { urgent: _("Urgent"), high: _("High"), normal: _("Normal"), low: _("Low") }[priority] || priority;
}

export function labelChip(label, { onRemove = null } = {}) {
  return h("span", {
    class: "label-chip",
    dataset: { colour: label.colour, labelId: String(label.id) },
    title: label.description || null,
  },
  h("span", { class: "label-name", text: label.name }),
  onRemove ? h("button", {
    type: "button",
    "aria-label": fmt(_("Remove the label %(name)s"), { name: label.name }),
    onclick: onRemove,
    text: "×",
  }) : null);
}

// What a list row shows: a priority other than normal, and the first labels.
export function rowBadges(c) {
  const nodes = [];
  if (c.priority && c.priority !== "normal") {
    nodes.push(h("span", { class: "priority-badge", dataset: { priority: c.priority }, text: priorityName(c.priority) }));
  }
  const labels = c.labels || [];
  for (const label of labels.slice(0, ROW_CHIPS)) nodes.push(labelChip(label));
  if (labels.length > ROW_CHIPS) {
    const more = labels.length - ROW_CHIPS;
    nodes.push(h("span", {
      class: "label-more",
      text: `+${more}`,
      title: labels.slice(ROW_CHIPS).map((l) => l.name).join(", "),
    }));
  }
  return nodes;
}

