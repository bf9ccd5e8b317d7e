// The supervisors' live dashboard. The figures always come from the server
// (GET /api/reports/dashboard); the desk's websocket (socket.js, with its resume from the last
// cursor) only says when to ask again: relevant desk.* events refresh the figures, debounced, so a
// burst of hand-overs costs one request. Waits and countdowns tick locally between refreshes, and
// a slow periodic refresh catches what time alone changes (a window entering its last 5 minutes).
import { DeskSocket } from "../desk/js/socket.js";
import { get, post } from "../desk/js/api.js";
import { channelName } from "../desk/js/channels.js";
import { _, fmt, ngettext } from "../desk/js/i18n.js";
import { stateLabel } from "../desk/js/list.js";
import { presenceLabel } from "../desk/js/operators.js";
import { choosing, rememberFocus, restoreFocus } from "./focus.js";

const root = document.getElementById("dashboard");
const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 300;
const PERIODIC_MS = 30000;
// Read when shown, not at import: the catalogue script (/jsi18n/) runs before this module.
const STATE_TEXT = {
  connecting: () => _("Connecting…"),
  live: () => _("Live"),
  reconnecting: () => _("Reconnecting…"),
  offline: () => _("Offline"),
};

let data = null;
let clockOffset = 0; // server time minus this browser's time, from the last snapshot
let refreshTimer = null;
let inFlight = null;
let again = false;
let conversationsStale = false; // their redraw waits for the reassign select in use
let shownConversations = null; // what the tables show (a refresh with nothing new leaves them be)
let actedFrom = null; // the control an action disabled (a disabled control may lose the focus)

function relevant(type) {
  return (
    type.startsWith("desk.conversation_") ||
    type === "desk.operator_presence" ||
    type === "desk.message_created" || // a reply takes a conversation off the at-risk list
    type === "desk.access_changed"
  );
}

function el(tag, { text, className, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return fmt(_("%(s)s s"), { s });
  const m = Math.floor(s / 60);
  if (m < 60) return fmt(_("%(m)s min %(s)s s"), { m, s: String(s % 60).padStart(2, "0") });
  return fmt(_("%(h)s h %(m)s min"), { h: Math.floor(m / 60), m: String(m % 60).padStart(2, "0") });
}

const now = () => Date.now() + clockOffset;
const since = (iso) => (iso ? (now() - Date.parse(iso)) / 1000 : null);
const until = (iso) => (iso ? (Date.parse(iso) - now()) / 1000 : null);

function status(text) {
  $("dashboard-status").textContent = text;
}

async function refresh() {
  if (inFlight) {
    again = true; // one more after this one: an event came while it was on its way
    return inFlight;
  }
  inFlight = (async () => {
    try {
      const fresh = await get("reports/dashboard");
      clockOffset = Date.parse(fresh.at) - Date.now();
      data = fresh;
      render();
      status("");
    } catch (error) {
      status(fmt(_("The figures could not be refreshed: %(error)s"), { error: error.message }));
    } finally {
      inFlight = null;
    }
  })();
  await inFlight;
  if (again) {
    again = false;
    await refresh();
  }
}

function refreshSoon() {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(refresh, DEBOUNCE_MS);
}

function bar(parts, total) {
  // Queued and assigned as one stacked SVG bar (attributes only: the CSP allows no inline style).
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 100 10");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "mini-bar");
  svg.setAttribute("aria-hidden", "true");
  let x = 0;
  for (const [value, cls] of parts) {
    const width = total ? (100 * value) / total : 0;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", String(x));
    rect.setAttribute("y", "0");
    rect.setAttribute("width", String(width));
    rect.setAttribute("height", "10");
    rect.setAttribute("class", cls);
    svg.append(rect);
    x += width;
  }
  return svg;
}

function renderTiles() {
  $("queue-waiting").textContent = String(data.queue.waiting);
  $("open-total").textContent = String(data.openTotal);
  $("at-risk-count").textContent = String(data.atRisk.length);
  $("risk-tile").dataset.alert = data.atRisk.length ? "yes" : "no";
  for (const state of ["online", "away", "offline"]) $(`presence-${state}`).textContent = String(data.presence[state]);
}

function renderOperators() {
  const rows = data.operators.map((op) => {
    const meter = el("meter", {
      attrs: { min: "0", max: String(Math.max(op.capacity, 1)), value: String(op.open), low: String(Math.max(op.capacity - 1, 0)), high: String(op.capacity), optimum: "0" },
      text: fmt(_("%(open)s of %(capacity)s"), { open: op.open, capacity: op.capacity }),
    });
    return el("tr", { attrs: { "data-operator-id": String(op.id) } }, [
      el("th", { text: op.name, attrs: { scope: "row" } }),
      el("td", {}, [el("span", { className: "presence-count", attrs: { "data-presence": op.presence } }, [
        el("span", { className: "presence-dot", attrs: { "aria-hidden": "true" } }),
        presenceLabel(op.presence),
      ])]),
      el("td", {}, [meter]),
      el("td", { className: "num", text: `${op.open} / ${op.capacity}` }),
    ]);
  });
  $("operators").replaceChildren(...(rows.length ? rows : [emptyRow(4, _("No operators."))]));
}

function emptyRow(span, text) {
  return el("tr", {}, [el("td", { className: "empty", text, attrs: { colspan: String(span) } })]);
}

// The rows' labels as the page words them (the server's are codes: a channel, "none", "unknown").
const channelLabel = (row) => channelName(row.key);
const connectionLabel = (row) => (row.key === null || row.key === undefined ? _("No connection") : row.label);

function renderBreakdown(id, rows, labelOf) {
  const most = Math.max(1, ...rows.map((r) => r.queued + r.assigned));
  const body = rows.map((row) =>
    el("tr", {}, [
      el("th", { text: labelOf(row), attrs: { scope: "row" } }),
      el("td", {}, [bar([[row.queued, "bar-queued"], [row.assigned, "bar-assigned"]], most)]),
      el("td", { className: "num", text: String(row.queued) }),
      el("td", { className: "num", text: String(row.assigned) }),
      el("td", { className: "num wait", text: row.queued ? duration(row.longestWaitSeconds) : "—" }),
    ]),
  );
  $(id).replaceChildren(...(body.length ? body : [emptyRow(5, _("Nothing open."))]));
}

function actions(conversation) {
  const me = Number(root.dataset.userId);
  const cell = el("td", { className: "actions" });
  if (!conversation.assignee || conversation.assignee.id !== me) {
    cell.append(el("button", { text: _("Take over"), className: "button-small", attrs: { type: "button", "data-action": "take-over", "data-id": String(conversation.id) } }));
  }
  const select = el("select", { attrs: { "aria-label": fmt(_("Reassign the conversation with %(name)s"), { name: conversation.contact.name }), "data-id": String(conversation.id) } }, [
    el("option", { text: _("Reassign to…"), attrs: { value: "" } }),
    ...data.operators
      .filter((op) => !conversation.assignee || op.id !== conversation.assignee.id)
      .map((op) => el("option", { text: fmt(_("%(name)s (%(open)s/%(capacity)s, %(presence)s)"), { name: op.name, open: op.open, capacity: op.capacity, presence: presenceLabel(op.presence) }), attrs: { value: String(op.id), "data-name": op.name } })),
  ]);
  cell.append(select);
  return cell;
}

function conversationRows(list, timing) {
  return list.map((c) =>
    el("tr", { attrs: { "data-conversation-id": String(c.id) } }, [
      el("th", { text: c.contact.name, attrs: { scope: "row" } }),
      el("td", { text: c.connection ? `${channelName(c.channel)} · ${c.connection.name || "#" + c.connection.id}` : c.channel ? channelName(c.channel) : "—" }),
      el("td", {}, [el("span", { className: "state-pill", text: stateLabel(c.state), attrs: { "data-state": c.state } })]),
      el("td", { text: c.assignee ? c.assignee.name : "—" }),
      el("td", { className: "num tick", attrs: timing(c) }),
      actions(c),
    ]),
  );
}

const conversationTables = () => [$("at-risk"), $("open-conversations")];

function renderConversations() {
  const tables = conversationTables();
  if (choosing(tables)) {
    conversationsStale = true;
    return;
  }
  conversationsStale = false;
  const shown = JSON.stringify([data.atRisk, data.open, data.openTotal, data.operators]);
  if (shown === shownConversations) return;
  shownConversations = shown;
  const active = document.activeElement;
  const place = rememberFocus(tables) || (!active || active === document.body ? actedFrom : null);
  actedFrom = null;
  const risk = conversationRows(data.atRisk, (c) => ({ "data-until": c.expiresAt }));
  $("at-risk").replaceChildren(...(risk.length ? risk : [emptyRow(6, _("None: every window closing soon has its reply."))]));
  const open = conversationRows(data.open, (c) => ({ "data-since": c.queuedAt }));
  $("open-conversations").replaceChildren(...(open.length ? open : [emptyRow(6, _("No open conversations."))]));
  const more = data.openTotal - data.open.length;
  restoreFocus(tables, place);
  $("open-more").hidden = more <= 0;
  $("open-more").textContent =
    more > 0
      ? fmt(ngettext("%(n)s more open conversation is not listed.", "%(n)s more open conversations are not listed.", more), { n: more })
      : "";
}

function tick() {
  if (!data) return;
  const longest = data.queue.oldestQueuedAt ? since(data.queue.oldestQueuedAt) : null;
  $("queue-longest").textContent = duration(longest);
  $("longest-tile").dataset.alert = longest !== null && longest > 300 ? "yes" : "no";
  for (const cell of root.querySelectorAll("[data-since]")) cell.textContent = duration(since(cell.dataset.since));
  for (const cell of root.querySelectorAll("[data-until]")) cell.textContent = duration(until(cell.dataset.until));
}

function render() {
  renderTiles();
  renderOperators();
  renderBreakdown("by-channel", data.byChannel, channelLabel);
  renderBreakdown("by-connection", data.byConnection, connectionLabel);
  renderConversations();
  tick();
}

async function act(promise, done) {
  try {
    await promise;
    status(done);
  } catch (error) {
    status(error.message);
  }
  refresh();
}

root.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action='take-over']");
  if (!button) return;
  if (document.activeElement === button) actedFrom = rememberFocus(conversationTables(), button);
  button.disabled = true;
  shownConversations = null; // redrawn after it, even when refused: the button comes back
  act(post(`reports/conversations/${button.dataset.id}/take-over`), _("The conversation is yours now."));
});

root.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-id]");
  if (!select || !select.value) return;
  const name = select.selectedOptions[0].dataset.name;
  actedFrom = rememberFocus(conversationTables(), select);
  select.disabled = true;
  shownConversations = null;
  act(post(`conversations/${select.dataset.id}/transfer`, { toUserId: Number(select.value) }), fmt(_("Reassigned to %(name)s."), { name }));
});

// Leaving the reassign select that held off a redraw: the tables catch up (after the focus has
// landed, so that wherever it went within them it stays).
root.addEventListener("focusout", () => {
  if (!conversationsStale) return;
  window.setTimeout(() => {
    if (!data || !conversationsStale) return;
    renderConversations();
    tick();
  }, 0);
});

function setConnection(state) {
  const node = $("connection");
  node.dataset.state = state;
  node.querySelector(".connection-text").textContent = STATE_TEXT[state]?.() || state;
}

const socket = new DeskSocket({
  path: root.dataset.wsPath,
  heartbeatSeconds: Number(root.dataset.heartbeatSeconds),
  onEvent: (frame) => {
    if (relevant(frame.type)) refreshSoon();
  },
  onReady: () => refreshSoon(), // caught up after a reconnect: whatever was missed is in the figures
  onReload: () => start(),
  onState: (state) => setConnection(state),
  onForbidden: () => window.location.assign(root.dataset.loginUrl),
});

async function start() {
  try {
    // The cursor first, then the snapshot: an event between the two only refreshes once more.
    const session = await get("session");
    await refresh();
    socket.start(session.cursor);
  } catch (error) {
    status(fmt(_("The dashboard could not start: %(error)s"), { error: error.message }));
    window.setTimeout(start, 5000);
  }
}

window.addEventListener("desk:signed-out", () => window.location.assign(root.dataset.loginUrl));
window.setInterval(tick, 1000);
window.setInterval(refresh, PERIODIC_MS);
start();
