// The lists' filter bar: channel, connection, label, unread, waiting in the queue longer than N
// minutes, window closing within N minutes, and the order. The same rules as the server's
// (conversations/list_filters.py), applied here to the rows the page keeps live; the choice is
// in the address (channel, connection, label, unread, waiting, closing, sort).
import { channelName } from "./channels.js";
import { $, clear, h } from "./dom.js";
import { _ } from "./i18n.js";
import { setQueryParams } from "./params.js";
import { queueOrder } from "./priority.js";

export const FILTER_NAMES = ["channel", "connection", "label", "unread", "waiting", "closing", "sort"];
export const SORTS = ["priority", "waiting", "newest", "closing", "activity"];
const OPEN = new Set(["queued", "assigned"]);
const MINUTE = 60_000;
// Time-bound filters change their answer as time passes: the list is looked at again this often.
const RECHECK = 15_000;

function positive(value) {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
}

// {channel, connection, label, unread, waiting, closing, sort} from a URLSearchParams; bad values are
// dropped (the address may have been typed).
export function parseFilters(params) {
  const sort = params.get("sort") || "";
  return {
    channel: params.get("channel") || "",
    connection: positive(params.get("connection")),
    label: positive(params.get("label")),
    unread: params.get("unread") === "true",
    waiting: positive(params.get("waiting")),
    closing: positive(params.get("closing")),
    sort: SORTS.includes(sort) ? sort : "",
  };
}

// The same filters as query parameters for GET /api/conversations (and the address).
export function filterParams(f) {
  const out = {};
  if (f.channel) out.channel = f.channel;
  if (f.connection) out.connection = String(f.connection);
  if (f.label) out.label = String(f.label);
  if (f.unread) out.unread = "true";
  if (f.waiting) out.waiting = String(f.waiting);
  if (f.closing) out.closing = String(f.closing);
  if (f.sort) out.sort = f.sort;
  return out;
}

export function isFiltering(f) {
  return Boolean(f.channel || f.connection || f.label || f.unread || f.waiting || f.closing);
}

const time = (value) => (value ? new Date(value).getTime() : NaN);

export function matches(c, f, now = Date.now()) {
  if (f.channel && c.channel !== f.channel) return false;
  if (f.connection && c.connection?.id !== f.connection) return false;
  if (f.label && !(c.labels || []).some((l) => l.id === f.label)) return false;
  if (f.unread && !(c.unread > 0)) return false;
  if (f.waiting && !(c.state === "queued" && now - time(c.queuedAt) >= f.waiting * MINUTE)) return false;
  if (f.closing) {
    const left = time(c.expiresAt) - now;
    if (!(OPEN.has(c.state) && c.operatorModeActive && left > 0 && left <= f.closing * MINUTE)) return false;
  }
  return true;
}

function activity(c) {
  return time(c.lastMessageAt || c.assignedAt || c.queuedAt) || 0;
}

const ORDER = {
  priority: queueOrder,
  waiting: (a, b) => time(a.queuedAt) - time(b.queuedAt) || a.id - b.id,
  newest: (a, b) => time(b.queuedAt) - time(a.queuedAt) || b.id - a.id,
  closing: (a, b) => {
    const x = time(a.expiresAt);
    const y = time(b.expiresAt);
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1; // unknown last
    return (Number.isNaN(x) ? 0 : x - y) || a.id - b.id;
  },
  activity: (a, b) => activity(b) - activity(a) || b.id - a.id,
};

// The rows of a list as the filters show them (rows come in the list's own order).
export function view(rows, f, now = Date.now()) {
  const kept = rows.filter((c) => matches(c, f, now));
  return f.sort ? kept.sort(ORDER[f.sort]) : kept;
}

export class FilterBar {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.node = $("#filter-bar");
    this.controls = {
      channel: $("#filter-channel"),
      connection: $("#filter-connection"),
      label: $("#filter-label"),
      unread: $("#filter-unread"),
      waiting: $("#filter-waiting"),
      closing: $("#filter-closing"),
      sort: $("#filter-sort"),
    };
    this.current = parseFilters(new URLSearchParams(window.location.search));
    for (const [name, control] of Object.entries(this.controls)) {
      control.addEventListener("change", () => this.read(name));
    }
    $("#filter-reset").addEventListener("click", () => this.reset());
    this.paint();
    window.setInterval(() => {
      if (this.current.waiting || this.current.closing) this.onChange(this.current, { quiet: true });
    }, RECHECK);
  }

  get filters() {
    return this.current;
  }

  read(name) {
    const control = this.controls[name];
    const value = name === "unread" ? control.checked : control.value;
    const next = { ...this.current, [name]: value };
    this.current = parseFilters(new URLSearchParams(filterParams({
      ...next,
      connection: next.connection ? Number(next.connection) : null,
      label: positive(next.label),
      waiting: positive(next.waiting),
      closing: positive(next.closing),
    })));
    this.commit();
  }

  reset() {
    this.current = parseFilters(new URLSearchParams());
    this.commit();
  }

  commit() {
    setQueryParams(Object.fromEntries(FILTER_NAMES.map((name) => [name, filterParams(this.current)[name] || null])));
    this.paint();
    this.onChange(this.current, { quiet: false });
  }

  // The channel and connection choices: those of the conversations the page knows, and the
  // one chosen (it may have none on screen now).
  offer(rows) {
    const channels = new Set(rows.map((c) => c.channel).filter(Boolean));
    if (this.current.channel) channels.add(this.current.channel);
    const connections = new Map();
    for (const c of rows) if (c.connection?.id) connections.set(c.connection.id, c.connection.name || `#${c.connection.id}`);
    if (this.current.connection && !connections.has(this.current.connection)) connections.set(this.current.connection, `#${this.current.connection}`);
    const key = JSON.stringify([[...channels].sort(), [...connections].sort((a, b) => a[0] - b[0])]);
    if (key === this.offered) return;
    this.offered = key;
    const channel = clear(this.controls.channel);
    channel.append(h("option", { value: "", text: _("All channels") }));
    for (const name of [...channels].sort()) channel.append(h("option", { value: name, text: channelName(name) }));
    const connection = clear(this.controls.connection);
    connection.append(h("option", { value: "", text: _("All connections") }));
    for (const [id, name] of [...connections].sort((a, b) => String(a[1]).localeCompare(String(b[1])))) {
      connection.append(h("option", { value: String(id), text: name }));
    }
    this.paint();
  }

  // The label choices: the catalogue, and the one chosen (deleted meanwhile, it shows its id).
  offerLabels(labels) {
    const select = clear(this.controls.label);
    select.append(h("option", { value: "", text: _("All labels") }));
    const known = new Set();
    for (const label of labels) {
      known.add(label.id);
      select.append(h("option", { value: String(label.id), text: label.name }));
    }
    if (this.current.label && !known.has(this.current.label)) select.append(h("option", { value: String(this.current.label), text: `#${this.current.label}` }));
    this.paint();
  }

  paint() {
    const f = this.current;
    const { channel, connection, label, unread, waiting, closing, sort } = this.controls;
    channel.value = f.channel;
    connection.value = f.connection ? String(f.connection) : "";
    label.value = f.label ? String(f.label) : "";
    unread.checked = f.unread;
    waiting.value = f.waiting ? String(f.waiting) : "";
    closing.value = f.closing ? String(f.closing) : "";
    sort.value = f.sort;
    for (const control of [channel, connection, label, waiting, closing, sort]) control.classList.toggle("is-set", Boolean(control.value));
    unread.closest("label").classList.toggle("is-set", f.unread);
    $("#filter-reset").hidden = !isFiltering(f) && !f.sort;
  }
}
