// What the page knows: conversations, the open one's messages, operators. Every websocket event
// carries whole objects, so applying one twice, or an older one before a newer one of the same
// replay, ends in the same state; messages are kept by id, so a replay never duplicates them.
import { queueOrder } from "./priority.js";

const OPEN = new Set(["queued", "assigned"]);
const ENDED = new Set(["closed", "expired"]);

export class Store extends EventTarget {
  constructor(me) {
    super();
    this.me = me; // {id, role, name}
    this.conversations = new Map();
    this.details = new Map(); // id -> {messages: Map, notifications: Map, contact, lastReadMessageId}
    this.loading = new Map(); // id -> events that came while its detail was loading
    // Which conversations changed while their detail was loading (an action's answer, an
    // event): the detail was read before, and its copy of the conversation is older.
    this.changedWhileLoading = new Set();
    // List reads on their way (beginSnapshot): each collects the conversations that changed
    // after it left (an event, an action's answer), whose rows in it are older than the store's.
    this.pendingSnapshots = new Set();
    this.operators = new Map();
    this.mentions = { unread: 0, byConversation: new Map() }; // conversation id -> unread mentions
    this.labels = new Map(); // the catalogue admins keep: id -> {id, name, colour, description}
    this.endedLoaded = false;
  }

  get seesEverything() {
    return this.me.role === "supervisor" || this.me.role === "admin";
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // An agent sees the queue and their own conversations; another's is not theirs to keep.
  visible(conversation) {
    if (this.seesEverything) return true;
    return conversation.state === "queued" || (conversation.assignee && conversation.assignee.id === this.me.id);
  }

  inList(conversation, list) {
    switch (list) {
      case "queued": return conversation.state === "queued";
      // Mine are the active ones; a snoozed one waits in "snoozed" until it comes back.
      case "mine": return conversation.state === "assigned" && conversation.assignee?.id === this.me.id && !conversation.snoozedAt;
      case "snoozed": return conversation.state === "assigned" && conversation.assignee?.id === this.me.id && Boolean(conversation.snoozedAt);
      case "open": return OPEN.has(conversation.state);
      case "ended": return ENDED.has(conversation.state);
      default: return false;
    }
  }

  list(name) {
    const rows = [...this.conversations.values()].filter((c) => this.inList(c, name));
    if (name === "queued") rows.sort(queueOrder);
    else rows.sort((a, b) => cmp(activity(b), activity(a)) || b.id - a.id);
    return rows;
  }

  // --- snapshots -------------------------------------------------------------------------

  // Called before a list is read; its answer goes to replaceConversations with `since`.
  beginSnapshot() {
    const snapshot = { changed: new Set() };
    this.pendingSnapshots.add(snapshot);
    return snapshot;
  }

  // A read that failed: nothing to compare.
  dropSnapshot(snapshot) {
    this.pendingSnapshots.delete(snapshot);
  }

  // `since`: what beginSnapshot returned before the read. A conversation that changed after
  // the read left keeps what the store has: the row is older (a claim answered while the list
  // loaded came back as "queued" otherwise).
  replaceConversations(rows, { ended = false, since = null } = {}) {
    const newer = since ? since.changed : new Set();
    this.pendingSnapshots.delete(since);
    if (!ended) {
      for (const [id, c] of this.conversations) if (!ENDED.has(c.state) && !newer.has(id)) this.conversations.delete(id);
    }
    for (const row of rows) if (!newer.has(row.id)) this.upsertConversation(row, { snapshot: true });
    this.emit("conversations");
  }

  // An action's answer (`since`: beginSnapshot before it was asked): the conversation as the
  // action left it. An event about it that came meanwhile is the action's own echo or a later
  // change, or an earlier one whose echo is still to come: the answer is older or no newer, and
  // is dropped (applied, it undid a colleague's change made while it travelled).
  applyAnswer(since, conversation) {
    this.pendingSnapshots.delete(since);
    if (since.changed.has(conversation.id)) return false;
    this.upsertConversation(conversation);
    return true;
  }

  // An action asked of the server (`request` returns its answer): the conversation in the
  // answer goes in, unless the socket told of it while it was asked (applyAnswer).
  async answered(request) {
    const since = this.beginSnapshot();
    try {
      const answer = await request();
      if (answer.conversation) {
        this.applyAnswer(since, answer.conversation);
        this.emit("conversations");
        this.emit("detail", { id: answer.conversation.id });
      }
      return answer;
    } finally {
      this.dropSnapshot(since);
    }
  }

  // A copy read for another purpose (a search hit): the store's own copy, which the socket
  // keeps current, wins.
  offerConversation(conversation) {
    if (!this.conversations.has(conversation.id)) this.upsertConversation(conversation);
  }

  upsertConversation(data, { snapshot = false } = {}) {
    const known = this.conversations.get(data.id);
    if (!snapshot) for (const pending of this.pendingSnapshots) pending.changed.add(data.id);
    if (!this.visible(data)) {
      // Someone else's now: its messages stop coming here, so what is kept would go stale.
      if (known) this.conversations.delete(data.id);
      this.details.delete(data.id);
      return { before: known || null, after: null };
    }
    const merged = { ...(known || {}), ...data };
    // Events do not carry the per-operator fields of list rows: keep them.
    if (!snapshot || data.unread === undefined) merged.unread = known?.unread ?? data.unread ?? 0;
    if (data.preview === undefined) merged.preview = known?.preview ?? null;
    // A list row says how many of its mentions of me are unread (events cannot: they are
    // the same for everyone).
    if (snapshot && data.unreadMentions !== undefined) {
      if (data.unreadMentions) this.mentions.byConversation.set(data.id, data.unreadMentions);
      else this.mentions.byConversation.delete(data.id);
    }
    delete merged.unreadMentions;
    this.conversations.set(data.id, merged);
    if (this.loading.has(data.id)) this.changedWhileLoading.add(data.id);
    return { before: known || null, after: merged };
  }

  startLoading(id) {
    this.loading.set(id, []);
    this.changedWhileLoading.delete(id);
  }

  isLoading(id) {
    return this.loading.has(id);
  }

  setDetail(id, payload) {
    const detail = {
      messages: new Map(),
      notifications: new Map(),
      contact: payload.contact || null,
      lastReadMessageId: payload.lastReadMessageId || 0,
    };
    for (const m of payload.messages || []) detail.messages.set(m.id, m);
    for (const n of payload.notifications || []) detail.notifications.set(n.id, n);
    this.details.set(id, detail);
    // A claim made while the history loaded must not be undone by the older copy.
    const newer = this.changedWhileLoading.has(id) && this.conversations.has(id);
    if (!newer) this.upsertConversation(payload.conversation);
    this.changedWhileLoading.delete(id);
    const conversation = this.conversations.get(id);
    const said = (payload.messages || []).filter((m) => m.kind !== "note" && !(m.kind === "history" && m.deliveryDetail === "out"));
    const last = said[said.length - 1];
    if (conversation && last && (conversation.preview?.id ?? 0) < last.id) {
      conversation.preview = { id: last.id, text: last.text, kind: last.kind };
      this.emit("conversations");
    }
    const waiting = this.loading.get(id) || [];
    this.loading.delete(id);
    for (const event of waiting) this.applyToDetail(event);
    this.emit("detail", { id, reset: true });
  }

  // --- events ------------------------------------------------------------------------------

  // Returns what changed, for alerts: {kind, conversation, message, ...} or null.
  apply(event) {
    const data = event.data || {};
    if (event.type.startsWith("desk.conversation_") && data.conversation) {
      const { before, after } = this.upsertConversation(data.conversation);
      this.emit("conversations");
      if (after && this.details.has(after.id)) this.emit("detail", { id: after.id });
      if (!after && before) this.emit("lost", { conversation: data.conversation, event });
      return { kind: event.type.slice(5), before, after, data };
    }
    switch (event.type) {
      case "desk.message_created":
      case "desk.message_status":
      case "desk.history_loaded":
      case "desk.notification_status":
        return this.applyToDetail(event);
      case "desk.conversation_read":
        return this.applyRead(data);
      case "desk.mention_created":
        this.mentions.unread = data.unread;
        this.mentions.byConversation.set(data.mention.conversationId, (this.mentions.byConversation.get(data.mention.conversationId) || 0) + 1);
        this.emit("mentions");
        return { kind: "mention", mention: data.mention, conversation: this.conversations.get(data.mention.conversationId) || null };
      case "desk.mentions_read":
        this.mentions.unread = data.unread;
        this.mentions.byConversation.delete(data.conversationId);
        this.emit("mentions");
        return null;
      case "desk.contact_updated":
        return this.applyContact(data);
      case "desk.contact_merged":
        return this.applyMerge(data);
      case "desk.label_saved":
        return this.applyLabel(data.label);
      case "desk.label_deleted":
        return this.applyLabelGone(data.labelId);
      case "desk.operator_presence":
        if (data.operator) this.operators.set(data.operator.id, { ...(this.operators.get(data.operator.id) || {}), ...data.operator });
        this.emit("operators");
        return null;
      default:
        return null;
    }
  }

  applyToDetail(event) {
    const data = event.data || {};
    const id = data.message?.conversationId ?? data.conversationId ?? data.notification?.conversationId;
    if (id === undefined || id === null) return null;
    if (this.loading.has(id)) this.loading.get(id).push(event);
    const detail = this.details.get(id);
    const conversation = this.conversations.get(id);
    let change = null;
    if (event.type === "desk.history_loaded") {
      if (detail) for (const m of data.messages) detail.messages.set(m.id, m);
      const said = data.messages.filter((m) => m.deliveryDetail !== "out"); // not the bot's lines
      const last = said[said.length - 1];
      if (conversation && last && !conversation.preview) {
        conversation.preview = { id: last.id, text: last.text, kind: last.kind };
        this.emit("conversations");
      }
    } else if (event.type === "desk.notification_status") {
      if (detail) detail.notifications.set(data.notification.id, data.notification);
    } else {
      const message = data.message;
      const isNew = detail ? !detail.messages.has(message.id) : true;
      if (detail) detail.messages.set(message.id, message);
      if (event.type === "desk.message_created" && conversation && message.kind !== "note") {
        const newer = !conversation.preview || (conversation.preview.id ?? 0) < message.id;
        if (newer) {
          conversation.preview = { id: message.id, text: message.text, kind: message.kind };
          conversation.lastMessageAt = message.createdAt;
        }
        if (message.kind === "incoming" && newer && isNew) {
          change = { kind: "message", conversation, message };
        }
        this.emit("conversations");
      }
    }
    if (detail) this.emit("detail", { id, event });
    return change;
  }

  // The answer to the operator's own send: the message as it was created. The socket may have
  // told of it since (a fast worker: sending, sent, refused), and that newer copy is kept.
  applyOwn(message) {
    const known = this.details.get(message.conversationId)?.messages.get(message.id);
    return this.applyToDetail({ type: "desk.message_created", data: { message: known || message } });
  }

  // The operator opened the conversation: its mentions of them are read here at once (the
  // server is told by the caller). Returns whether there were any.
  mentionsRead(id) {
    if (!this.mentions.byConversation.get(id)) return false;
    this.mentions.byConversation.delete(id);
    this.emit("mentions");
    return true;
  }

  // GET /api/mentions?unread=true: what is unread, by conversation.
  setMentions(rows, unread) {
    this.mentions.unread = unread;
    this.mentions.byConversation = new Map();
    for (const row of rows) if (!row.readAt) this.mentions.byConversation.set(row.conversationId, (this.mentions.byConversation.get(row.conversationId) || 0) + 1);
    this.emit("mentions");
  }

  applyRead(data) {
    if (data.userId !== this.me.id) return null;
    const conversation = this.conversations.get(data.conversationId);
    if (conversation) {
      conversation.unread = 0;
      this.emit("conversations");
    }
    const detail = this.details.get(data.conversationId);
    if (detail) detail.lastReadMessageId = Math.max(detail.lastReadMessageId, data.lastReadMessageId);
    return null;
  }

  setLabels(labels) {
    this.labels = new Map(labels.map((label) => [label.id, label]));
    this.emit("labels");
  }

  // A label renamed or recoloured: the catalogue and every chip of it.
  applyLabel(label) {
    this.labels.set(label.id, label);
    this.relabel((labels) => labels.map((l) => (l.id === label.id ? label : l)));
    return null;
  }

  applyLabelGone(labelId) {
    this.labels.delete(labelId);
    this.relabel((labels) => labels.filter((l) => l.id !== labelId));
    return null;
  }

  relabel(change) {
    for (const c of this.conversations.values()) if (c.labels?.length) c.labels = change(c.labels);
    this.emit("labels");
    this.emit("conversations");
    for (const id of this.details.keys()) this.emit("detail", { id });
  }

  applyContact(contact) {
    let touched = false;
    for (const c of this.conversations.values()) {
      if (c.contact?.id === contact.id) {
        c.contact = { ...c.contact, name: contact.name };
        touched = true;
      }
    }
    for (const [id, detail] of this.details) {
      if (detail.contact?.id === contact.id) {
        detail.contact = { ...detail.contact, ...contact };
        this.emit("detail", { id });
      }
    }
    if (touched) this.emit("conversations");
    return null;
  }

  applyMerge(data) {
    const moved = new Set(data.movedConversations || []);
    const survivor = data.preserved;
    for (const c of this.conversations.values()) {
      if (moved.has(c.platformId)) c.contact = { id: survivor.id, platformId: survivor.platformId, name: survivor.name };
    }
    this.emit("conversations");
    this.emit("merged", data);
    return null;
  }
}

function cmp(a, b) {
  return (a || "").localeCompare(b || "");
}

function activity(c) {
  return c.lastMessageAt || c.assignedAt || c.queuedAt || "";
}
