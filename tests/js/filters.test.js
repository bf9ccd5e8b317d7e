// The lists' filters and orders as the page applies them (static/desk/js/filters.js): the
// same rules as GET /api/conversations (tests/test_list_filters.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { filterParams, isFiltering, matches, parseFilters, view } from "../../static/desk/js/filters.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const minutesAgo = (n) => new Date(NOW - n * 60_000).toISOString();
const inMinutes = (n) => new Date(NOW + n * 60_000).toISOString();

function row(id, { state = "queued", channel = "telegram", connection = 1, queued = 10, left = 60, unread = 0, active = true } = {}) {
  return {
    id, state, channel, unread, operatorModeActive: active,
    connection: connection ? { id: connection, name: `Bot ${connection}` } : null,
    queuedAt: minutesAgo(queued), expiresAt: left === null ? null : inMinutes(left),
  };
}

test("the address is read with bad values dropped", () => {
  const f = parseFilters(new URLSearchParams("channel=vk&connection=x&unread=true&waiting=-3&closing=15&sort=nope"));
  assert.deepEqual(f, { channel: "vk", connection: null, label: null, unread: true, waiting: null, closing: 15, sort: "" });
  assert.deepEqual(filterParams(f), { channel: "vk", unread: "true", closing: "15" });
  assert.equal(isFiltering(parseFilters(new URLSearchParams("sort=newest"))), false);
});

test("channel, connection and unread", () => {
  const rows = [row(1), row(2, { channel: "vk", connection: 2, unread: 3 }), row(3, { connection: 2 })];
  assert.deepEqual(view(rows, parseFilters(new URLSearchParams("channel=telegram")), NOW).map((c) => c.id), [1, 3]);
  assert.deepEqual(view(rows, parseFilters(new URLSearchParams("connection=2")), NOW).map((c) => c.id), [2, 3]);
  assert.deepEqual(view(rows, parseFilters(new URLSearchParams("unread=true")), NOW).map((c) => c.id), [2]);
});

test("waiting counts time in the queue only; closing counts open windows", () => {
  const f = parseFilters(new URLSearchParams("waiting=15"));
  assert.equal(matches(row(1, { queued: 20 }), f, NOW), true);
  assert.equal(matches(row(2, { queued: 10 }), f, NOW), false);
  assert.equal(matches(row(3, { queued: 90, state: "assigned" }), f, NOW), false);
  const closing = parseFilters(new URLSearchParams("closing=10"));
  assert.equal(matches(row(4, { left: 5 }), closing, NOW), true);
  assert.equal(matches(row(5, { left: 15 }), closing, NOW), false);
  assert.equal(matches(row(6, { left: -1 }), closing, NOW), false); // already closed
  assert.equal(matches(row(7, { left: 5, active: false }), closing, NOW), false);
  assert.equal(matches(row(8, { left: 5, state: "closed" }), closing, NOW), false);
});

test("the orders, unknown window ends last", () => {
  const rows = [row(1, { queued: 5, left: 30 }), row(2, { queued: 50, left: null }), row(3, { queued: 20, left: 3 })];
  const ids = (sort) => view(rows, parseFilters(new URLSearchParams(`sort=${sort}`)), NOW).map((c) => c.id);
  assert.deepEqual(ids("waiting"), [2, 3, 1]);
  assert.deepEqual(ids("newest"), [1, 3, 2]);
  assert.deepEqual(ids("closing"), [3, 1, 2]);
  assert.deepEqual(view(rows, parseFilters(new URLSearchParams("")), NOW).map((c) => c.id), [1, 2, 3]); // as given
});

test("a label keeps the rows that carry it; the priority order puts the most urgent first", () => {
  const vip = { id: 7, name: "VIP", colour: "purple" };
  const rows = [
    { ...row(1, { queued: 30 }), labels: [vip], priority: "normal" },
    { ...row(2, { queued: 20 }), labels: [], priority: "urgent" },
    { ...row(3, { queued: 40 }), priority: "low" },
    { ...row(4, { queued: 10 }), labels: [vip], priority: "high" },
  ];
  const labelled = parseFilters(new URLSearchParams("label=7"));
  assert.equal(isFiltering(labelled), true);
  assert.deepEqual(filterParams(labelled), { label: "7" });
  assert.deepEqual(view(rows, labelled, NOW).map((c) => c.id), [1, 4]);
  const urgentFirst = parseFilters(new URLSearchParams("sort=priority"));
  assert.deepEqual(view(rows, urgentFirst, NOW).map((c) => c.id), [2, 4, 1, 3]);
});
