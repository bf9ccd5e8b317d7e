// Store (static/desk/js/store.js): what the page knows, built from snapshots and websocket
// events. Events carry whole objects: applying the same ones again (a resume's replay) changes
// nothing and raises no second alert; messages are kept by id; a list row keeps its newest
// message as the preview whatever order messages come in; events that come while a
// conversation's detail is loading are not lost; each tab lists what the store decides.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Store } from "../../static/desk/js/store.js";

const ME = { id: 1, role: "agent", name: "Anna" };
const COLLEAGUE = { id: 2, name: "Boris" };

function conversation(id, fields = {}) {
  return {
    id,
    state: "queued",
    assignee: null,
    platformId: `dlg-${id}`,
    contact: { id: 100 + id, platformId: `c-${id}`, name: `Contact ${id}` },
    queuedAt: `2024-05-01T10:${String(id).padStart(2, "0")}:00Z`,
    assignedAt: null,
    lastMessageAt: null,
    ...fields,
  };
}

const mine = (id, fields = {}) =>
  conversation(id, { state: "assigned", assignee: ME, assignedAt: "2024-05-01T11:00:00Z", ...fields });

function message(id, conversationId, fields = {}) {
  const createdAt = `2024-05-01T12:00:${String(id % 60).padStart(2, "0")}Z`;
  return { id, conversationId, kind: "incoming", text: `text ${id}`, createdAt, ...fields };
}

const reply = (id, conversationId, delivery) => message(id, conversationId, { kind: "outgoing", delivery });

const conversationEvent = (change, data) => ({ type: `desk.conversation_${change}`, data: { conversation: data } });
const created = (m) => ({ type: "desk.message_created", data: { message: m } });
const delivered = (m) => ({ type: "desk.message_status", data: { message: m } });

// A store that records what it tells the page.
function store(me = ME) {
  const s = new Store(me);
  s.told = [];
  for (const type of ["conversations", "detail", "lost", "operators", "merged"]) {
    s.addEventListener(type, (e) => s.told.push([type, e.detail]));
  }
  return s;
}

function state(s) {
  return {
    conversations: [...s.conversations.entries()],
    details: [...s.details.entries()].map(([id, d]) => [
      id, [...d.messages.entries()], [...d.notifications.entries()], d.contact, d.lastReadMessageId,
    ]),
    operators: [...s.operators.entries()],
  };
}

const ids = (rows) => rows.map((c) => c.id);

describe("lists per tab", () => {
  test("each tab holds the conversations in its states; mine is what is assigned to me", () => {
    const s = store({ id: 1, role: "supervisor" });
    s.replaceConversations([
      conversation(1),
      mine(2),
      conversation(3, { state: "assigned", assignee: COLLEAGUE }),
      conversation(4, { state: "closed", assignee: ME }),
      conversation(5, { state: "expired" }),
    ]);
    assert.deepEqual(ids(s.list("queued")), [1]);
    assert.deepEqual(ids(s.list("mine")), [2]);
    assert.deepEqual(ids(s.list("open")).sort(), [1, 2, 3]);
    assert.deepEqual(ids(s.list("ended")).sort(), [4, 5]);
    assert.deepEqual(s.list("nonsense"), []);
  });

  test("the queue is first come first served; ties go by id", () => {
    const s = store();
    s.replaceConversations([
      conversation(3, { queuedAt: "2024-05-01T10:00:00Z" }),
      conversation(1, { queuedAt: "2024-05-01T10:05:00Z" }),
      conversation(2, { queuedAt: "2024-05-01T10:00:00Z" }),
    ]);
    assert.deepEqual(ids(s.list("queued")), [2, 3, 1]);
  });

  test("other tabs put the latest activity first: last message, else assignment, else queueing", () => {
    const s = store();
    s.replaceConversations([
      mine(1, { lastMessageAt: "2024-05-01T12:00:00Z" }),
      mine(2, { assignedAt: "2024-05-01T12:30:00Z" }),
      mine(3, { lastMessageAt: "2024-05-01T13:00:00Z" }),
      mine(4, { assignedAt: null, queuedAt: "2024-05-01T12:10:00Z" }),
      mine(5, { lastMessageAt: "2024-05-01T13:00:00Z" }),
    ]);
    assert.deepEqual(ids(s.list("mine")), [5, 3, 2, 4, 1]);
  });

  test("an agent keeps the queue and their own; a supervisor keeps everything", () => {
    const rows = [conversation(1), mine(2), conversation(3, { state: "assigned", assignee: COLLEAGUE })];
    const agent = store();
    agent.replaceConversations(rows);
    assert.deepEqual([...agent.conversations.keys()], [1, 2]);
    for (const role of ["supervisor", "admin"]) {
      const boss = store({ id: 9, role });
      boss.replaceConversations(rows);
      assert.deepEqual([...boss.conversations.keys()], [1, 2, 3]);
    }
  });

  test("a conversation moves between tabs as its events come", () => {
    const s = store();
    s.replaceConversations([conversation(7)]);
    s.apply(conversationEvent("claimed", mine(7)));
    assert.deepEqual([ids(s.list("queued")), ids(s.list("mine"))], [[], [7]]);
    s.apply(conversationEvent("released", conversation(7)));
    assert.deepEqual([ids(s.list("queued")), ids(s.list("mine"))], [[7], []]);
    s.apply(conversationEvent("claimed", mine(7)));
    s.apply(conversationEvent("closed", mine(7, { state: "closed" })));
    assert.deepEqual([ids(s.list("queued")), ids(s.list("open")), ids(s.list("ended"))], [[], [], [7]]);
  });

  test("a fresh snapshot of the open lists drops what left them and keeps the ended ones", () => {
    const s = store();
    s.replaceConversations([mine(4, { state: "closed" })], { ended: true });
    s.replaceConversations([conversation(1), mine(2)]);
    s.replaceConversations([mine(2)]); // after desk.reload: 1 was claimed by someone else meanwhile
    assert.deepEqual([...s.conversations.keys()].sort(), [2, 4]);
    s.replaceConversations([mine(5, { state: "expired" })], { ended: true }); // "load more"
    assert.deepEqual([...s.conversations.keys()].sort(), [2, 4, 5]);
  });

  test("a list read before a change does not undo it when it arrives after", () => {
    const s = store();
    s.replaceConversations([mine(4, { state: "closed" }), mine(6, { state: "closed" })], { ended: true });
    s.replaceConversations([conversation(1), conversation(2)]);
    const ended = s.beginSnapshot(); // the ended tab's read leaves...
    const open = s.beginSnapshot(); // ...and a reload's read of the open lists
    s.apply(conversationEvent("queued", conversation(4))); // 4 comes back to the queue
    s.upsertConversation(mine(1)); // the claim's answer
    s.apply(conversationEvent("queued", conversation(9))); // a new dialog
    s.replaceConversations([mine(4, { state: "closed" }), mine(6, { state: "closed" })], { ended: true, since: ended });
    s.replaceConversations([conversation(1), conversation(2)], { since: open });
    assert.equal(s.conversations.get(4).state, "queued");
    assert.equal(s.conversations.get(1).state, "assigned");
    assert.deepEqual(ids(s.list("queued")).sort(), [2, 4, 9]);
    // What did not change meanwhile is the snapshot's, as before; a later read is not held back.
    const again = s.beginSnapshot();
    s.replaceConversations([conversation(2), mine(9)], { since: again });
    assert.deepEqual([ids(s.list("queued")), ids(s.list("mine"))], [[2], [9]]);
    assert.equal(s.pendingSnapshots.size, 0);
  });
});

describe("an action's answer", () => {
  test("a colleague's change that came while my action travelled is not undone by its answer", () => {
    const s = store();
    s.replaceConversations([conversation(3)]);
    const since = s.beginSnapshot(); // I label 3...
    s.apply(conversationEvent("claimed", mine(3, { labels: [{ id: 1 }] }))); // the echo
    s.apply(conversationEvent("expired", mine(3, { state: "expired", labels: [{ id: 1 }] }))); // the platform
    assert.equal(s.applyAnswer(since, mine(3, { labels: [{ id: 1 }] })), false); // ...its answer, late
    assert.equal(s.conversations.get(3).state, "expired");
    assert.equal(s.pendingSnapshots.size, 0);
  });

  test("an answer that came first is applied, and its echo changes nothing", () => {
    const s = store();
    s.replaceConversations([conversation(3)]);
    const since = s.beginSnapshot();
    assert.equal(s.applyAnswer(since, mine(3)), true);
    const after = state(s);
    s.apply(conversationEvent("claimed", mine(3)));
    assert.deepEqual(state(s), after);
    // An event for another conversation does not hold an answer back.
    const next = s.beginSnapshot();
    s.apply(conversationEvent("queued", conversation(4)));
    assert.equal(s.applyAnswer(next, mine(3, { note: "mine" })), true);
    assert.equal(s.conversations.get(3).note, "mine");
  });

  test("an action asked of the server: its answer goes in, unless the socket told of it first", async () => {
    const s = store();
    s.replaceConversations([conversation(3), conversation(4)]);
    const answer = await s.answered(async () => ({ conversation: mine(3) }));
    assert.deepEqual(answer, { conversation: mine(3) });
    assert.equal(s.conversations.get(3).state, "assigned");
    await s.answered(async () => {
      s.apply(conversationEvent("expired", mine(4, { state: "expired" }))); // while it travels
      return { conversation: mine(4) };
    });
    assert.equal(s.conversations.get(4).state, "expired");
    await assert.rejects(s.answered(async () => { throw new Error("refused"); }), /refused/);
    assert.equal(s.pendingSnapshots.size, 0);
  });

  test("a search hit's copy does not replace the one the socket keeps", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.offerConversation(conversation(3)); // read when it was still queued
    assert.equal(s.conversations.get(3).state, "assigned");
    s.offerConversation(mine(7, { state: "closed" })); // an ended one the page did not hold
    assert.equal(s.conversations.get(7).state, "closed");
  });
});

describe("conversation events", () => {
  test("an event's conversation replaces the row but keeps the per-operator fields events lack", () => {
    const s = store();
    s.replaceConversations([{ ...mine(3), unread: 4, preview: { id: 30, text: "hi", kind: "incoming" } }]);
    const change = s.apply(conversationEvent("transferred", mine(3, { note: "from Boris" })));
    const row = s.conversations.get(3);
    assert.equal(row.unread, 4);
    assert.deepEqual(row.preview, { id: 30, text: "hi", kind: "incoming" });
    assert.equal(row.note, "from Boris");
    assert.equal(change.kind, "conversation_transferred");
    assert.equal(change.before.id, 3);
    assert.equal(change.after, row);
  });

  test("unread is this operator's: a list snapshot sets it, an event never does", () => {
    const s = store();
    s.replaceConversations([{ ...mine(3), unread: 4 }]);
    s.apply(conversationEvent("updated", { ...mine(3), unread: 9 }));
    assert.equal(s.conversations.get(3).unread, 4);
    s.replaceConversations([{ ...mine(3), unread: 0 }]);
    assert.equal(s.conversations.get(3).unread, 0);
    s.apply(conversationEvent("queued", conversation(5)));
    assert.equal(s.conversations.get(5).unread, 0, "new from an event: nothing unread yet");
  });

  test("a conversation handed to someone else leaves an agent's store, detail and all, once", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)] });
    s.told.length = 0;
    const away = conversation(3, { state: "assigned", assignee: COLLEAGUE });
    const change = s.apply(conversationEvent("transferred", away));
    assert.equal(s.conversations.has(3), false);
    assert.equal(s.details.has(3), false);
    assert.equal(change.after, null);
    assert.deepEqual(s.told.filter(([type]) => type === "lost").map(([, d]) => d.conversation), [away]);
    s.apply(conversationEvent("transferred", away)); // replayed
    assert.equal(s.told.filter(([type]) => type === "lost").length, 1);
  });

  test("the open conversation's detail is told to repaint on its conversation's events", () => {
    const s = store();
    s.setDetail(3, { conversation: mine(3), messages: [] });
    s.told.length = 0;
    s.apply(conversationEvent("updated", mine(3, { windowExpiresAt: "2024-05-01T13:00:00Z" })));
    assert.deepEqual(s.told, [["conversations", null], ["detail", { id: 3 }]]);
  });

  test("operator presence merges into what is known of the operator", () => {
    const s = store();
    s.apply({ type: "desk.operator_presence", data: { operator: { id: 2, name: "Boris", presence: "online" } } });
    s.apply({ type: "desk.operator_presence", data: { operator: { id: 2, presence: "away" } } });
    assert.deepEqual(s.operators.get(2), { id: 2, name: "Boris", presence: "away" });
  });

  test("an event of a type the page does not know changes nothing", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    const before = state(s);
    assert.equal(s.apply({ type: "desk.something_new", data: { conversation: conversation(3) } }), null);
    assert.equal(s.apply({ type: "desk.conversation_claimed", data: {} }), null);
    assert.deepEqual(state(s), before);
  });
});

describe("messages", () => {
  test("a message applied twice is kept once and alerts once", () => {
    const s = store();
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)] });
    const first = s.apply(created(message(31, 3)));
    const again = s.apply(created(message(31, 3)));
    assert.equal(first.kind, "message");
    assert.equal(first.message.id, 31);
    assert.equal(again, null);
    assert.deepEqual([...s.details.get(3).messages.keys()], [30, 31]);
  });

  test("without the detail loaded, a replayed message still alerts once", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    assert.equal(s.apply(created(message(31, 3))).kind, "message");
    assert.equal(s.apply(created(message(31, 3))), null);
  });

  test("the row's preview is the newest message whatever order they come in", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.apply(created(message(32, 3, { text: "newer" })));
    const older = s.apply(created(message(31, 3, { text: "older" })));
    const row = s.conversations.get(3);
    assert.deepEqual(row.preview, { id: 32, text: "newer", kind: "incoming" });
    assert.equal(row.lastMessageAt, message(32, 3).createdAt);
    assert.equal(older, null, "an older message does not alert as new");
  });

  test("status updates replace the message in place and raise no alert", () => {
    const s = store();
    s.setDetail(3, { conversation: mine(3), messages: [reply(30, 3, "sent")] });
    const change = s.apply(delivered(reply(30, 3, "read")));
    assert.equal(change, null);
    assert.equal(s.details.get(3).messages.get(30).delivery, "read");
    assert.equal(s.details.get(3).messages.size, 1);
  });

  test("notes and my own replies move the preview but do not alert; notes leave it alone", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    assert.equal(s.apply(created(message(30, 3, { kind: "outgoing", text: "hello" }))), null);
    assert.equal(s.conversations.get(3).preview.text, "hello");
    assert.equal(s.apply(created(message(31, 3, { kind: "note", text: "internal" }))), null);
    assert.equal(s.conversations.get(3).preview.text, "hello");
  });

  test("a message for a conversation the page does not hold is ignored", () => {
    const s = store();
    assert.equal(s.apply(created(message(30, 99))), null);
    assert.equal(s.apply({ type: "desk.message_created", data: {} }), null);
    assert.deepEqual(state(s), { conversations: [], details: [], operators: [] });
  });

  test("my reply, applied when sent and again when its event comes, is one message", () => {
    const s = store();
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)] });
    const sent = { ...reply(31, 3, null), text: "on it" };
    s.applyOwn(sent); // the composer's onSent
    const after = state(s);
    assert.equal(s.apply(created(sent)), null); // the websocket's echo
    assert.deepEqual(state(s), after);
    assert.deepEqual(s.conversations.get(3).preview, { id: 31, text: "on it", kind: "outgoing" });
  });

  test("the answer to my send, come after the socket told of the reply's failure, does not undo it", () => {
    // A fast worker: the reply is refused and its events reach the page before the POST's
    // answer, which still holds the reply as it was created (queued).
    const s = store();
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)] });
    const queued = { ...reply(31, 3, "queued"), text: "on it" };
    s.apply(created(queued));
    s.apply(delivered({ ...queued, delivery: "sending" }));
    s.apply(delivered({ ...queued, delivery: "failed", deliveryDetail: "refused" }));
    s.applyOwn(queued); // the composer's onSent, late
    assert.equal(s.details.get(3).messages.get(31).delivery, "failed");
    assert.deepEqual(s.conversations.get(3).preview, { id: 31, text: "on it", kind: "outgoing" });
  });

  test("applying a stretch of message events again changes nothing and raises no second alert", () => {
    const s = store();
    s.replaceConversations([mine(3), mine(4)]);
    const notifications = [{ id: 5, conversationId: 3, status: "sent" }];
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)], notifications });
    const stretch = [
      created(message(31, 3)),
      created(reply(32, 3, "sent")),
      delivered(reply(32, 3, "delivered")),
      { type: "desk.notification_status", data: { notification: { id: 5, conversationId: 3, status: "read" } } },
      created(message(40, 4)),
      created(message(41, 4, { kind: "note" })),
      { type: "desk.operator_presence", data: { operator: { id: 2, presence: "online" } } },
    ];
    const alerts = stretch.map((e) => s.apply(e)).filter((c) => c?.kind === "message");
    assert.deepEqual(alerts.map((c) => c.message.id), [31, 40]);
    const after = state(s);
    const again = stretch.map((e) => s.apply(e)).filter((c) => c?.kind === "message");
    assert.deepEqual(again, []);
    assert.deepEqual(state(s), after);
  });
});

describe("the detail of a conversation", () => {
  test("events that come while it loads are applied on top of what loads", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.startLoading(3);
    assert.equal(s.isLoading(3), true);
    s.apply(created(message(32, 3))); // sent after the server read the detail
    s.apply(delivered(reply(31, 3, "read")));
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3), reply(31, 3, "sent")] });
    const messages = s.details.get(3).messages;
    assert.deepEqual([...messages.keys()].sort(), [30, 31, 32]);
    assert.equal(messages.get(31).delivery, "read");
    assert.equal(s.isLoading(3), false);
    assert.deepEqual(s.told.at(-1), ["detail", { id: 3, reset: true }]);
  });

  test("an event the loaded detail already holds is not duplicated", () => {
    const s = store();
    s.startLoading(3);
    s.apply(created(message(31, 3)));
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3), message(31, 3)] });
    assert.equal(s.details.get(3).messages.size, 2);
  });

  test("the preview comes from the last message said, not a note or the bot's own line", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.setDetail(3, {
      conversation: mine(3),
      messages: [
        message(30, 3, { text: "help" }),
        message(31, 3, { kind: "note", text: "vip" }),
        message(29, 3, { kind: "history", deliveryDetail: "out" }),
      ],
    });
    assert.deepEqual(s.conversations.get(3).preview, { id: 30, text: "help", kind: "incoming" });
  });

  test("a detail older than the preview the row has does not move it back", () => {
    const s = store();
    s.replaceConversations([{ ...mine(3), preview: { id: 40, text: "latest", kind: "incoming" } }]);
    s.setDetail(3, { conversation: mine(3), messages: [message(30, 3)] });
    assert.equal(s.conversations.get(3).preview.id, 40);
  });

  test("history loaded from the platform joins the thread and is a preview only when there is none", () => {
    const s = store();
    s.replaceConversations([mine(3)]);
    s.setDetail(3, { conversation: mine(3), messages: [] });
    const history = [
      message(10, 3, { kind: "history", text: "old question" }),
      message(11, 3, { kind: "history", deliveryDetail: "out", text: "bot" }),
    ];
    s.apply({ type: "desk.history_loaded", data: { conversationId: 3, messages: history } });
    assert.deepEqual([...s.details.get(3).messages.keys()], [10, 11]);
    assert.deepEqual(s.conversations.get(3).preview, { id: 10, text: "old question", kind: "history" });
    s.apply(created(message(20, 3, { text: "now" })));
    s.apply({ type: "desk.history_loaded", data: { conversationId: 3, messages: history } });
    assert.equal(s.conversations.get(3).preview.text, "now");
  });

  test("notification statuses are kept by id", () => {
    const s = store();
    s.setDetail(3, { conversation: mine(3), notifications: [{ id: 5, conversationId: 3, status: "sent" }] });
    s.apply({ type: "desk.notification_status", data: { notification: { id: 5, conversationId: 3, status: "delivered" } } });
    assert.deepEqual([...s.details.get(3).notifications.values()], [{ id: 5, conversationId: 3, status: "delivered" }]);
  });

  test("the read mark is mine only, and never moves back", () => {
    const s = store();
    s.replaceConversations([{ ...mine(3), unread: 2 }]);
    s.setDetail(3, { conversation: mine(3), messages: [], lastReadMessageId: 30 });
    s.apply({ type: "desk.conversation_read", data: { userId: 2, conversationId: 3, lastReadMessageId: 40 } });
    assert.equal(s.conversations.get(3).unread, 2);
    assert.equal(s.details.get(3).lastReadMessageId, 30);
    s.apply({ type: "desk.conversation_read", data: { userId: 1, conversationId: 3, lastReadMessageId: 40 } });
    s.apply({ type: "desk.conversation_read", data: { userId: 1, conversationId: 3, lastReadMessageId: 35 } });
    assert.equal(s.conversations.get(3).unread, 0);
    assert.equal(s.details.get(3).lastReadMessageId, 40);
  });
});

describe("contacts", () => {
  test("a renamed contact is renamed in its rows and its open detail", () => {
    const s = store();
    s.replaceConversations([mine(3), mine(4)]);
    s.setDetail(3, { conversation: mine(3), contact: { id: 103, name: "Contact 3", phone: "+7 900" } });
    s.apply({ type: "desk.contact_updated", data: { id: 103, name: "Вера" } });
    assert.equal(s.conversations.get(3).contact.name, "Вера");
    assert.equal(s.conversations.get(3).contact.platformId, "c-3");
    assert.equal(s.conversations.get(4).contact.name, "Contact 4");
    assert.deepEqual(s.details.get(3).contact, { id: 103, name: "Вера", phone: "+7 900" });
  });

  test("merged contacts: the moved conversations show the surviving contact", () => {
    const s = store();
    s.replaceConversations([mine(3), mine(4)]);
    const survivor = { id: 104, platformId: "c-4", name: "Contact 4" };
    s.apply({ type: "desk.contact_merged", data: { preserved: survivor, movedConversations: ["dlg-3"] } });
    assert.deepEqual(s.conversations.get(3).contact, survivor);
    assert.equal(s.told.at(-1)[0], "merged");
  });
});

test("the queue lists the most urgent first, then the longest waiting", () => {
  const labelled = new Store(ME);
  labelled.replaceConversations([
    conversation(1, { priority: "low" }),
    conversation(2),
    conversation(3, { priority: "urgent" }),
    conversation(4, { priority: "normal" }),
  ]);
  assert.deepEqual(labelled.list("queued").map((c) => c.id), [3, 2, 4, 1]);
});

test("a label renamed or deleted by an admin follows on every conversation that has it", () => {
  const labelled = new Store(ME);
  const vip = { id: 7, name: "VIP", colour: "purple", description: "" };
  labelled.setLabels([vip]);
  labelled.replaceConversations([conversation(1, { labels: [vip] }), conversation(2, { labels: [] })]);
  labelled.apply({ type: "desk.label_saved", data: { label: { ...vip, name: "Важный", colour: "red" } } });
  assert.deepEqual(labelled.conversations.get(1).labels.map((l) => [l.name, l.colour]), [["Важный", "red"]]);
  assert.equal(labelled.labels.get(7).name, "Важный");
  labelled.apply({ type: "desk.label_deleted", data: { labelId: 7 } });
  assert.deepEqual(labelled.conversations.get(1).labels, []);
  assert.equal(labelled.labels.size, 0);
});

test("a detail read before a claim does not put the conversation back in the queue", () => {
  // The operator opens a conversation and claims it at once: the claim's answer (and its
  // event) come before the history that was asked for first, which still says "queued".
  const fresh = new Store(ME);
  fresh.upsertConversation(conversation(1));
  fresh.startLoading(1);
  fresh.upsertConversation(mine(1)); // the claim's answer
  fresh.setDetail(1, { conversation: conversation(1), messages: [message(5, 1)] });
  assert.equal(fresh.conversations.get(1).state, "assigned");
  assert.equal(fresh.details.get(1).messages.size, 1);

  // Nothing changed while it loaded: the detail's copy is the freshest and is taken.
  fresh.startLoading(2);
  fresh.setDetail(2, { conversation: mine(2, { priority: "urgent" }), messages: [] });
  assert.equal(fresh.conversations.get(2).priority, "urgent");
});
