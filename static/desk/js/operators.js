// The transfer dialog's choice of operator: grouped by team, the available first, and each
// named so that two people with the same name can be told apart (their username).
import { _, fmt } from "./i18n.js";

const ORDER = { online: 0, away: 1, offline: 2 };

export function presenceLabel(presence) {
  return { online: _("online"), away: _("away"), offline: _("offline") }[presence] || presence;
}

export function operatorLabel(operator) {
  const load = operator.capacity !== null && operator.capacity !== undefined
    ? ` · ${operator.load}/${operator.capacity}`
    : "";
  const who = fmt(_("%(name)s (%(username)s)"), { name: operator.name, username: operator.username });
  return `${who} — ${presenceLabel(operator.presence)}${load}`;
}

// [{team, options: [{value, text}]}]: teams by name, operators without one last.
export function operatorChoices(operators, exceptId) {
  const teams = new Map();
  operators
    .filter((o) => o.id !== exceptId)
    .sort(
      (a, b) =>
        (ORDER[a.presence] ?? 3) - (ORDER[b.presence] ?? 3) ||
        a.name.localeCompare(b.name) ||
        a.username.localeCompare(b.username),
    )
    .forEach((o) => {
      const team = o.team || "";
      if (!teams.has(team)) teams.set(team, []);
      teams.get(team).push({ value: String(o.id), text: operatorLabel(o) });
    });
  return [...teams.entries()]
    .sort(([a], [b]) => (a === "") - (b === "") || a.localeCompare(b))
    .map(([team, options]) => ({ team: team || _("No team"), options }));
}
