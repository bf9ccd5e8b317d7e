// Where the operator is, in the address: /c/<id> for the open conversation, ?tab=<list> for the
// tab (Queue, the default, is left out), so a reload, back/forward and a shared link come back to
// it. Every other query parameter (search, filters, sort: other modules own them) is kept as it is.
// Pure functions: no window here, so node tests them.

export const TABS = ["queued", "mine", "snoozed", "open", "ended"];
const DEFAULT_TAB = "queued";

// {conversationId: number | null, tab: string | null} from a location's parts. The hash form
// (#conversation-<id>) is what earlier versions of the desk wrote: old links keep working.
export function parseRoute({ pathname = "/", search = "", hash = "" } = {}, base = "/") {
  let conversationId = null;
  const rest = pathname.startsWith(base) ? pathname.slice(base.length) : "";
  const path = rest.match(/^c\/(\d{1,18})\/?$/);
  if (path) conversationId = Number(path[1]);
  const legacy = hash.match(/^#conversation-(\d{1,18})$/);
  if (conversationId === null && legacy) conversationId = Number(legacy[1]);
  const tab = new URLSearchParams(search).get("tab");
  return { conversationId, tab: TABS.includes(tab) ? tab : null };
}

// The address for a route, keeping the query parameters this module does not own.
export function routeUrl({ conversationId = null, tab = null } = {}, { base = "/", search = "" } = {}) {
  const params = new URLSearchParams(search);
  if (tab && tab !== DEFAULT_TAB && TABS.includes(tab)) params.set("tab", tab);
  else params.delete("tab");
  const path = conversationId === null || conversationId === undefined ? base : `${base}c/${conversationId}`;
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

// The tab a conversation opened by its address belongs in, for an operator `me` ({id}).
export function tabFor(conversation, me) {
  if (!conversation) return DEFAULT_TAB;
  if (conversation.state === "queued") return "queued";
  if (conversation.state === "assigned" && conversation.assignee?.id === me.id) return conversation.snoozedAt ? "snoozed" : "mine";
  if (conversation.state === "assigned") return "open";
  return "ended";
}
