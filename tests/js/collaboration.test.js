// Working as a team (issue 17), the page's pure parts: who else is here (static/desk/js/rooms.js),
// snooze presets (snooze.js) and mention tokens (mentions.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { installWindow } from "./support/browser.js";

installWindow();
const { Presence, presenceText } = await import("../../static/desk/js/rooms.js");
const { snoozePresets, withinWindow } = await import("../../static/desk/js/snooze.js");
const { learnNames, mentionParts, mentionPlain, mentionQuery, withTokens } = await import("../../static/desk/js/mentions.js");

const boris = { id: 2, name: "Boris" };
const anna = { id: 3, name: "Anna" };
const frame = (user, activity, ttl, mode = null) => ({ type: "desk.room.presence", conversationId: 9, user, activity, ttl, mode });

test("who is here expires unless said again, and leaving removes at once", () => {
  const presence = new Presence(1);
  assert.equal(presence.apply(frame(boris, "viewing", 30), 0), true);
  assert.equal(presence.apply(frame(boris, "viewing", 30), 10_000), false); // known: no echo
  assert.equal(presence.apply(frame({ id: 1, name: "Me" }, "viewing", 30), 0), false);
  presence.apply(frame(anna, "typing", 6, "reply"), 10_000);
  assert.deepEqual(presence.who(12_000), { viewing: ["Boris"], typing: [{ name: "Anna", mode: "reply" }] });
  assert.deepEqual(presence.typingNow(12_000), ["Anna"]);
  // Anna's typing ran out, and with it her entry: she said nothing else.
  assert.deepEqual(presence.who(16_500), { viewing: ["Boris"], typing: [] });
  assert.deepEqual(presence.who(40_001), { viewing: [], typing: [] });
  presence.apply(frame(boris, "viewing", 30), 41_000);
  presence.apply(frame(boris, "left", 0), 42_000);
  assert.deepEqual(presence.who(42_000), { viewing: [], typing: [] });
});

test("the presence line names who types first, then who views", () => {
  assert.equal(presenceText({ viewing: ["Boris"], typing: [] }), "Boris is viewing");
  assert.equal(presenceText({ viewing: ["Anna"], typing: [{ name: "Boris", mode: "note" }] }), "Boris is typing… · Anna is viewing");
  assert.equal(presenceText({ viewing: [], typing: [] }), "");
});

test("snooze presets: an hour on, and tomorrow at 9:00 local time", () => {
  const now = new Date(2026, 11, 31, 23, 30);
  const { hour, tomorrow } = snoozePresets(now);
  assert.equal(hour.getTime() - now.getTime(), 3_600_000);
  assert.deepEqual([tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate(), tomorrow.getHours(), tomorrow.getMinutes()], [2027, 0, 1, 9, 0]);
  const closing = { expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString() };
  assert.equal(withinWindow(closing, hour), false);
  assert.equal(withinWindow(closing, new Date(now.getTime() + 60_000)), true);
  assert.equal(withinWindow({ expiresAt: null }, tomorrow), true);
});

test("mentions: the picker's query, the tokens sent, the names shown", () => {
  assert.equal(mentionQuery("ask @Bo"), "Bo");
  assert.equal(mentionQuery("@"), "");
  assert.equal(mentionQuery("mail me at a@b"), null);
  assert.equal(mentionQuery("@Boris done"), null);
  const picked = new Map([["Boris", 2], ["Boris Petrov", 7]]);
  assert.equal(withTokens("@Boris Petrov and @Boris, see", picked), "<@7> and <@2>, see");
  learnNames([boris]);
  assert.deepEqual(mentionParts("hi <@2> and <@5>!"), [
    { text: "hi " }, { mention: 2, name: "Boris" }, { text: " and " }, { mention: 5, name: "#5" }, { text: "!" },
  ]);
  assert.equal(mentionPlain("<@2> was this shipped?"), "@Boris was this shipped?");
});
