// Working as a team (issue 17), the page's pure parts: who else is here (static/desk/js/rooms.js),
// snooze presets and lines (snooze.js), mention tokens (mentions.js) and markers (store.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { installWindow } from "./support/browser.js";

const { document } = installWindow();
const { Presence, presenceText, typingQuestion } = await import("../../static/desk/js/rooms.js");
const { snoozePresets, untilReplyNote, withinWindow } = await import("../../static/desk/js/snooze.js");
const { Store } = await import("../../static/desk/js/store.js");
const { MentionPicker, learnNames, mentionParts, mentionPlain, mentionQuery, withTokens } = await import("../../static/desk/js/mentions.js");

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
  assert.deepEqual(presence.typingNow(12_000), [{ name: "Anna", mode: "reply" }]);
  // Anna's typing ran out, and with it her entry: she said nothing else.
  assert.deepEqual(presence.who(16_500), { viewing: ["Boris"], typing: [] });
  assert.deepEqual(presence.who(40_001), { viewing: [], typing: [] });
  presence.apply(frame(boris, "viewing", 30), 41_000);
  presence.apply(frame(boris, "left", 0), 42_000);
  assert.deepEqual(presence.who(42_000), { viewing: [], typing: [] });
});

test("a reply's sender is told whether those typing write a note or a reply", () => {
  assert.equal(typingQuestion([{ name: "Boris", mode: "note" }]),
    "Boris is writing a note in this conversation right now. Send your reply anyway?");
  assert.equal(typingQuestion([{ name: "Boris", mode: "note" }, { name: "Anna", mode: "note" }]),
    "Boris, Anna are writing notes in this conversation right now. Send your reply anyway?");
  // Anyone typing a reply (or an old page that does not say what): the plain question.
  assert.equal(typingQuestion([{ name: "Boris", mode: "note" }, { name: "Anna", mode: "reply" }]),
    "Boris, Anna are typing in this conversation right now. Send your reply anyway?");
  assert.equal(typingQuestion([{ name: "Anna", mode: null }]),
    "Anna is typing in this conversation right now. Send your reply anyway?");
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

test("until the user writes: the dialog says what wakes it, and when the window's end is unknown, that only the user or the operator does", () => {
  assert.match(untilReplyNote({ expiresAt: null }), /not known: it comes back only when the user writes, or when you unsnooze it/);
  const known = untilReplyNote({ expiresAt: "2026-12-04T15:30:00Z" });
  assert.match(known, /^It comes back when the user writes, or shortly before the messaging window closes \(.+\)/);
  assert.doesNotMatch(known, /not known/);
});

test("a list row's mention marker: from the rows' unreadMentions and the events, gone once read", () => {
  const store = new Store({ id: 1, role: "supervisor", name: "Boris" });
  const said = [];
  store.addEventListener("mentions", () => said.push("mentions"));
  const row = (id, unreadMentions) => ({ id, state: "queued", assignee: null, contact: { name: `C${id}` }, queuedAt: "2026-12-04T10:00:00Z", unreadMentions });
  store.replaceConversations([row(1, 2), row(2, 0)]);
  assert.equal(store.mentions.byConversation.get(1), 2);
  assert.equal(store.mentions.byConversation.has(2), false);
  assert.equal("unreadMentions" in store.conversations.get(1), false); // kept in one place
  // An event about the conversation (the same for everyone) keeps the marker.
  store.apply({ type: "desk.conversation_updated", data: { conversation: { ...row(1), unreadMentions: undefined } } });
  assert.equal(store.mentions.byConversation.get(1), 2);
  store.apply({ type: "desk.mention_created", data: { unread: 3, mention: { id: 9, conversationId: 2 } } });
  assert.equal(store.mentions.byConversation.get(2), 1);
  assert.equal(store.mentionsRead(1), true);
  assert.equal(store.mentionsRead(1), false);
  assert.equal(store.mentions.byConversation.has(1), false);
  store.apply({ type: "desk.mentions_read", data: { conversationId: 2, unread: 0 } });
  assert.equal(store.mentions.byConversation.size, 0);
  assert.ok(said.length >= 3);
});

// Just enough of a DOM for the picker: elements that record what they are given.
class FakeNode {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.attributes = {};
    this.dataset = {};
  }

  setAttribute(name, value) { this.attributes[name] = value; }
  removeAttribute(name) { delete this.attributes[name]; }
  addEventListener() {}
  append(...children) { this.children.push(...children); }
  replaceChildren(...children) { this.children = children; }
}

class FakeBox extends EventTarget {
  constructor() {
    super();
    this.value = "";
    this.attributes = {};
  }

  get selectionStart() { return this.value.length; } // the caret at the end: typing
  setSelectionRange() {}
  focus() {}
  setAttribute(name, value) { this.attributes[name] = value; }
  removeAttribute(name) { delete this.attributes[name]; }
  type(text) {
    this.value += text;
    this.dispatchEvent(new Event("input"));
  }

  press(key) {
    const event = Object.assign(new Event("keydown", { cancelable: true }), { key });
    this.dispatchEvent(event);
    return event.defaultPrevented;
  }
}

const settled = () => new Promise((resolve) => {
  setTimeout(resolve, 0);
});

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

test("the mention picker: an answer that comes after the pick does not open it again over the note", async () => {
  globalThis.Node = FakeNode;
  document.createElement = (tag) => new FakeNode(tag);
  document.createTextNode = () => new FakeNode("#text");
  const answers = [];
  const text = new FakeBox();
  const picker = new MentionPicker({
    text, box: { hidden: true }, list: new FakeNode("ul"), isNote: () => true, meId: 1,
    loadOperators: () => {
      const answer = deferred();
      answers.push(answer);
      return answer.promise;
    },
  });
  const operators = { data: [{ id: 2, name: "Boris", username: "boris" }] };
  text.type("@b");
  text.type("o"); // a keystroke before the operators came
  answers[0].resolve(operators);
  await settled();
  assert.equal(picker.open, true);
  assert.equal(text.press("Enter"), true); // picked
  assert.equal(text.value, "@Boris ");
  text.type("was this shipped?");
  for (const answer of answers.slice(1)) answer.resolve(operators); // late answers, if any
  await settled();
  assert.equal(picker.open, false);
  assert.equal(text.press("Enter"), false); // the composer's: the note is sent as written
  assert.equal(text.value, "@Boris was this shipped?");
  assert.equal(answers.length, 1); // the operators are asked for once

  // Slower still: the note written on before the operators came; their answer opens nothing.
  const slow = deferred();
  const box = new FakeBox();
  const second = new MentionPicker({
    text: box, box: { hidden: true }, list: new FakeNode("ul"), isNote: () => true, meId: 1,
    loadOperators: () => slow.promise,
  });
  box.type("@b");
  box.type(" never mind");
  slow.resolve(operators);
  await settled();
  assert.equal(second.open, false);
  assert.equal(box.press("Enter"), false);
  assert.equal(box.value, "@b never mind");
});
