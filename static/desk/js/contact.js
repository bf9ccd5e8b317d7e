// The right pane: who the contact is, their ids per channel, what channels told about them,
// their variables and earlier conversations.
import { channelBadge, identifierLabel } from "./channels.js";
import { $, clear, h } from "./dom.js";
import { _, language } from "./i18n.js";
import { stateLabel } from "./list.js";
import { clock } from "./time.js";

// Profile fields that tell an operator nothing (ids, flags, pictures, codes).
const NOISE = /photo|avatar|^id$|_id$|token|^sex$|^is_|^can_|deactivated|hash/i;

function variableValue(v) {
  if (v.validateAs === "DATE") {
    const at = new Date(v.value);
    if (!Number.isNaN(at.getTime())) return at.toLocaleDateString(language(), { timeZone: "UTC", dateStyle: "medium" });
  }
  return String(v.value);
}

function section(title, ...content) {
  return h("section", { class: "contact-section" }, h("h3", { text: title }), ...content);
}

function scalar(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "object") {
    // {id, title} as channels give cities and countries.
    if ("title" in value) return scalar(value.title);
    if ("name" in value) return scalar(value.name);
    return null;
  }
  return String(value);
}

function pairs(entries) {
  const list = h("dl", { class: "pairs" });
  for (const [label, value] of entries) {
    list.append(h("dt", { text: label }), h("dd", { text: value }));
  }
  return list;
}

export function renderContact(contact, { onOpen }) {
  const body = clear($("#contact-body"));
  if (!contact) {
    body.append(h("p", { class: "empty", text: _("No conversation selected.") }));
    return;
  }
  body.append(h("p", { class: "contact-name", text: contact.name || _("Unknown contact") }));
  // The whole profile (read-only for agents: contacts/views.py), in a tab of its own so that
  // the desk stays as it is.
  body.append(h("p", { class: "contact-profile-link" }, h("a", {
    href: `/contacts/${Number(contact.id)}/`, target: "_blank", rel: "noopener", text: _("Open the full profile"),
  })));
  const ids = Object.entries(contact.identifiers || {}).filter(([, v]) => v);
  body.append(section(_("Identifiers"), ids.length
    ? pairs(ids.map(([field, value]) => [identifierLabel(field), String(value)]))
    : h("p", { class: "empty", text: _("None known.") })));

  const profiles = Object.entries(contact.sourceProfiles || {});
  if (profiles.length) {
    const wrap = h("div", {});
    for (const [channel, profile] of profiles) {
      const rows = Object.entries(profile || {})
        .filter(([key, value]) => !NOISE.test(key) && typeof value !== "boolean")
        .map(([key, value]) => [key.replace(/_/g, " "), scalar(value)])
        .filter(([, value]) => value !== null)
        .slice(0, 12);
      if (!rows.length) continue;
      wrap.append(h("div", { class: "profile" }, h("p", { class: "profile-channel" }, channelBadge(channel, h), " ", channel), pairs(rows)));
    }
    if (wrap.childElementCount) body.append(section(_("Channel profiles"), wrap));
  }

  const variables = (contact.variables || []).filter((v) => v && v.value !== null && v.value !== undefined && v.value !== "");
  body.append(section(_("Variables"), variables.length
    ? pairs(variables.map((v) => [v.name, variableValue(v)]))
    : h("p", { class: "empty", text: _("No variables set.") })));

  const earlier = contact.earlierConversations || [];
  const list = h("ul", { class: "earlier" });
  for (const c of earlier) {
    const label = [clock(c.queuedAt), stateLabel(c.state), c.assignee || ""].filter(Boolean).join(" · ");
    const content = [channelBadge(c.channel, h), h("span", { text: label })];
    list.append(h("li", {}, c.canOpen
      ? h("button", { type: "button", class: "link earlier-open", onclick: () => onOpen(c.id) }, ...content)
      : h("span", { class: "earlier-closed" }, ...content)));
  }
  body.append(section(_("Earlier conversations"), earlier.length ? list : h("p", { class: "empty", text: _("This is the first one.") })));
}
