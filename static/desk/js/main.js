// The desk page. Start-up follows the protocol of docs/websocket.md: GET /api/session for the
// cursor (read before any snapshot), then the lists, then the websocket from that cursor; every event is
// applied once, in cursor order, and a reconnect resumes from the last one applied.
import { Alerts } from "./alerts.js";
import { ApiError, get, post } from "./api.js";
import { BulkSelection } from "./bulk.js";
import { renderContact } from "./contact.js";
import { Composer } from "./composer.js";
import { alertsDialog, helpDialog, notifyDialog, openDialog, quickRepliesDialog, transferDialog } from "./dialogs.js";
import { $, announce, h, toast } from "./dom.js";
import { _, fmt, ngettext } from "./i18n.js";
import { FilterBar, filterParams, isFiltering, view } from "./filters.js";
import { ListPane } from "./list.js";
import { Navigation } from "./navigation.js";
import { Panes } from "./panes.js";
import { tabFor } from "./route.js";
import { revealMessage, SearchPane } from "./search.js";
import { DeskSocket } from "./socket.js";
import { Store } from "./store.js";
import { ThreadPane, windowOpen } from "./thread.js";
import { onTick, startTicker } from "./ticker.js";
import { keepToastsClear } from "./toasts.js";
import { learnNames, MentionPicker, mentionPlain, noteNodes } from "./mentions.js";
import { presenceText, RoomClient, typingQuestion } from "./rooms.js";
import { snoozeDialog } from "./snooze_dialog.js";
import { Triage } from "./triage.js";
import { undoable } from "./undo.js";

const root = $("#desk");
const LIST_PAGE = 200;
const TEMPLATES_MAX_AGE = 60_000;
const CLOSE_UNDO_MS = 5000; // how long a close can be taken back before it is sent

const desk = {
  store: null,
  session: null,
  selectedId: null,
  endedNext: null,
  readMarks: new Map(),
  templatesCache: null,
  caughtUp: 0,
  reconnecting: false,
  reveal: null, // {conversationId, messageId}: a search hit to scroll to once its thread is shown
};

function signedOut() {
  window.location.assign(`${root.dataset.loginUrl}?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
}
window.addEventListener("desk:signed-out", signedOut);

// --- lists ---------------------------------------------------------------------------------------

async function fetchPages(state, limit = LIST_PAGE, maxPages = 5) {
  const rows = [];
  let after = null;
  for (let page = 0; page < maxPages; page += 1) {
    const query = new URLSearchParams({ state, limit: String(limit) });
    if (after) query.set("after", after);
    const answer = await get(`conversations?${query}`);
    rows.push(...answer.data);
    after = answer.next;
    if (!after) break;
  }
  return { rows, next: after };
}

async function loadLists() {
  const since = desk.store.beginSnapshot();
  try {
    const { rows } = await fetchPages("open");
    desk.store.replaceConversations(rows, { since });
  } catch (error) {
    desk.store.dropSnapshot(since);
    throw error;
  }
}

async function loadEnded(more = false) {
  const query = new URLSearchParams({ state: "ended", limit: "50", ...filterParams(desk.filters.filters) });
  if (more && desk.endedNext) query.set("after", desk.endedNext);
  const since = desk.store.beginSnapshot();
  let answer;
  try {
    answer = await get(`conversations?${query}`);
  } catch (error) {
    desk.store.dropSnapshot(since);
    throw error;
  }
  desk.store.replaceConversations(answer.data, { ended: true, since });
  desk.store.endedLoaded = true;
  desk.endedNext = answer.next;
  $("#load-more").hidden = !answer.next || desk.list.current !== "ended";
  desk.list.render();
}

// --- templates (canned responses) -------------------------------------------------------------

async function templates() {
  const cache = desk.templatesCache;
  if (cache && Date.now() - cache.at < TEMPLATES_MAX_AGE) return cache.data;
  const answer = await get("templates");
  if (answer.platformError) toast(answer.platformError, { kind: "warning" });
  desk.templatesCache = { at: Date.now(), data: answer.data };
  return answer.data;
}

// --- selecting a conversation -----------------------------------------------------------------

// Returns whether the conversation could be shown. `restoring`: the address already says it.
async function select(id, { focus = false, restoring = false } = {}) {
  if (id === null || id === undefined) return false;
  const moved = desk.selectedId !== id;
  desk.selectedId = id;
  // Kept in the address, so a reload, back/forward or a shared link comes back to it.
  desk.nav.go({ conversationId: id, tab: desk.list.current }, { replace: restoring || !moved });
  desk.list.select(id);
  desk.thread.open(id);
  desk.triage.renderHeader();
  desk.composer.open(id);
  desk.room.enter(id);
  readMentions(id);
  desk.panes.show("thread");
  const store = desk.store;
  if (store.details.has(id)) {
    desk.thread.render({ reset: true });
    renderContact(store.details.get(id).contact, { onOpen: (other) => select(other) });
    markRead();
    revealPending(id);
  } else {
    renderContact(null, { onOpen: () => {} });
    store.startLoading(id);
    try {
      store.setDetail(id, await get(`conversations/${id}`));
    } catch (error) {
      store.loading.delete(id);
      if (desk.selectedId === id) toast(error.message, { kind: "error" });
      return false;
    }
  }
  if (focus) desk.composer.focus();
  return true;
}

function deselect() {
  desk.selectedId = null;
  desk.list.select(null);
  desk.thread.open(null);
  desk.composer.open(null);
  desk.room.leave();
  renderContact(null, { onOpen: () => {} });
  desk.panes.show("list");
  desk.nav.go({ conversationId: null, tab: desk.list.current }, { replace: true });
}

// The back control of a narrow screen: to the list, where the conversation just left has the focus.
function backToList() {
  const id = desk.selectedId;
  deselect();
  document.querySelector(`button.conv[data-id="${id}"]`)?.focus({ preventScroll: true });
}

// The page shows what the address says: at start-up, and on back/forward. A conversation named
// by the address is fetched by its id, wherever it is now (ended, another tab); without a tab in
// the address, the tab is the one it belongs in.
async function restore(route) {
  if (route.tab) desk.list.show(route.tab, { restoring: true });
  const id = route.conversationId;
  if (id === null) {
    if (desk.selectedId !== null) deselect();
    if (!route.tab) desk.list.show("queued", { restoring: true });
    return;
  }
  if (id !== desk.selectedId && !(await select(id, { restoring: true }))) {
    if (desk.selectedId === id) deselect();
    return;
  }
  if (!route.tab) desk.list.show(tabFor(desk.store.conversations.get(id), desk.store.me), { restoring: true });
  desk.list.select(id);
}

// A conversation that just became mine (a transfer, an assignment) arrives without its last
// message: load it, so the list shows what it is about and the thread opens at once.
async function prefetch(id) {
  const store = desk.store;
  if (store.details.has(id) || store.isLoading(id)) return;
  store.startLoading(id);
  try {
    store.setDetail(id, await get(`conversations/${id}`));
  } catch {
    store.loading.delete(id);
  }
}

function onDetail({ id, reset }) {
  if (id !== desk.selectedId) return;
  desk.thread.render({ reset });
  desk.composer.paint();
  const detail = desk.store.details.get(id);
  renderContact(detail?.contact, { onOpen: (other) => select(other) });
  markRead();
  revealPending(id);
}

// A search hit: open its conversation (ended ones too) at the message found.
function openHit(hit) {
  desk.store.offerConversation(hit.conversation);
  desk.store.emit("conversations");
  desk.reveal = hit.message ? { conversationId: hit.conversation.id, messageId: hit.message.id } : null;
  select(hit.conversation.id);
}

function revealPending(id) {
  if (desk.reveal?.conversationId === id && revealMessage(desk.reveal.messageId)) desk.reveal = null;
}

// The operator has seen the open conversation (page in front): move the read mark.
function markRead() {
  const id = desk.selectedId;
  if (id === null || document.visibilityState !== "visible") return;
  const last = desk.thread.lastMessageId();
  const conversation = desk.store.conversations.get(id);
  if (conversation && conversation.unread) {
    conversation.unread = 0;
    desk.list.schedule();
    updateBadge();
  }
  if (!last || (desk.readMarks.get(id) || 0) >= last) return;
  desk.readMarks.set(id, last);
  post(`conversations/${id}/read`, { messageId: last }).catch(() => desk.readMarks.delete(id));
}

// --- events ----------------------------------------------------------------------------------------

function onEvent(frame) {
  const store = desk.store;
  const change = store.apply(frame);
  if (desk.reconnecting) desk.caughtUp += 1;
  if (!change) return;
  const me = store.me.id;
  // Out of the queue (taken by anyone, transferred, ended): no longer news.
  if (change.kind.startsWith("conversation_") && change.after?.state !== "queued") desk.alerts.withdraw(change.data.conversation.id);
  if (change.after && !change.before && change.after.assignee?.id === me) prefetch(change.after.id);
  if (change.kind === "conversation_queued" && change.after && change.before?.state !== "queued") {
    desk.alerts.raise({ kind: "queued", key: `q${change.after.id}-${change.after.queuedAt}`, conversation: change.after, text: change.after.preview?.text });
  } else if (handedToMe(change, me)) {
    // New to me until I open it: the list marks it and the title counts it.
    change.after.unread = Math.max(change.after.unread || 0, 1);
    desk.list.schedule();
    desk.alerts.raise({ kind: "assigned", key: `a${change.after.id}-${change.after.assignedAt}`, conversation: change.after, text: "" });
  } else if (change.kind === "message") {
    const { conversation, message } = change;
    const reading = conversation.id === desk.selectedId && document.visibilityState === "visible" && document.hasFocus();
    if (!reading) {
      conversation.unread = (conversation.unread || 0) + 1;
      desk.list.schedule();
      if (conversation.assignee?.id === me) {
        desk.alerts.raise({ kind: "message", key: `m${message.id}`, conversation, text: message.text });
      }
    }
  }
  if (change.kind === "conversation_woken" && change.after?.assignee?.id === me && change.data.byUserId !== me) {
    // The alert's own toast says it (and opens it), with the sound and notification chosen.
    desk.alerts.raise({ kind: "woken", key: `w${change.after.id}-${frame.cursor}`, conversation: change.after, text: "" });
  }
  if (change.kind === "mention") {
    const { mention } = change;
    const author = mention.author?.name || _("Operator");
    desk.alerts.raise({ kind: "mention", key: `n${mention.id}`, conversation: { id: mention.conversationId, contact: mention.contact }, text: mentionPlain(mention.text), author });
    if (mention.conversationId === desk.selectedId) readMentions(mention.conversationId);
  }
  if (change.kind === "conversation_transferred" && change.after === null && change.before?.id === desk.selectedId) {
    toast(fmt(_("The conversation went to %(name)s."), { name: change.data.conversation.assignee?.name || "" }), { kind: "info" });
  }
  updateBadge();
}

// Given to me by someone else: automatic assignment, or a colleague's transfer (a claim is
// always the claimer's own doing).
function handedToMe(change, me) {
  if (change.after?.assignee?.id !== me || change.before?.assignee?.id === me) return false;
  if (change.kind === "conversation_claimed") return Boolean(change.data.auto);
  return change.kind === "conversation_transferred" && change.data.byUserId !== me;
}

function updateBadge() {
  const store = desk.store;
  const waiting = store.list("queued").length;
  const unread = store.list("mine").reduce((sum, c) => sum + (c.unread || 0), 0);
  desk.alerts.badge(waiting + unread);
}

function onLost({ conversation }) {
  if (conversation.id !== desk.selectedId) return;
  deselect();
  toast(conversation.assignee
    ? fmt(_("The conversation is now with %(name)s."), { name: conversation.assignee.name })
    : _("The conversation is no longer yours."), { kind: "info" });
}

// --- the connection ---------------------------------------------------------------------------

const STATE_TEXT = {
  live: () => _("Live"),
  connecting: () => _("Connecting…"),
  reconnecting: (delay) => (delay ? fmt(_("Reconnecting in %(s)s s…"), { s: Math.max(1, Math.round(delay / 1000)) }) : _("Reconnecting…")),
  offline: () => _("Offline"),
};

function onSocketState(state, delay) {
  const box = $("#connection");
  box.dataset.state = state;
  box.querySelector(".connection-text").textContent = STATE_TEXT[state](delay);
  if (state === "reconnecting" && !desk.reconnecting) {
    desk.reconnecting = true;
    desk.caughtUp = 0;
  }
}

function onReady() {
  desk.room.again();
  if (desk.reconnecting) {
    desk.reconnecting = false;
    const n = desk.caughtUp;
    announce(n ? fmt(ngettext("Back online; %(n)s update caught up.", "Back online; %(n)s updates caught up.", n), { n }) : _("Back online."));
    if (n) toast(fmt(ngettext("Back online; %(n)s update caught up.", "Back online; %(n)s updates caught up.", n), { n }), { kind: "info", timeout: 4000 });
  }
}

// desk.reload: the cursor is too old to resume from; start over as at page load.
async function reload() {
  desk.store.details.clear();
  desk.store.endedLoaded = false;
  const selected = desk.selectedId;
  await boot({ again: true });
  if (selected !== null) select(selected);
}

// --- actions ------------------------------------------------------------------------------------

async function act(path, { success } = {}) {
  try {
    const answer = await desk.store.answered(() => post(path));
    if (success) announce(success);
    return answer;
  } catch (error) {
    toast(error.message, { kind: "error" });
    return null;
  }
}

// --- snooze, who else is here, mentions ---------------------------------------------------------

function paintPresence() {
  const line = $("#thread-presence");
  const text = desk.selectedId === null ? "" : presenceText(desk.room.who());
  if (line.textContent !== text) line.textContent = text;
}

// Someone else is typing in this conversation: ask before the reply goes (Enter sends anyway,
// Escape waits).
function confirmReply() {
  const others = desk.room.typingNow();
  if (!others.length) return Promise.resolve(true);
  const dialog = $("#typing-dialog");
  $("#typing-text").textContent = typingQuestion(others);
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "send"), { once: true });
    openDialog(dialog);
  });
}

function onNoted(answer) {
  for (const missed of answer.mentions?.notNotified || []) {
    const text = missed.reason === "cannot_see"
      ? fmt(_("%(name)s cannot see this conversation: they were not notified."), { name: missed.name })
      : fmt(_("Operator #%(id)s is not an active operator: nobody was notified."), { id: missed.id });
    toast(text, { kind: "warning", timeout: 10000 });
  }
}

function paintMentions() {
  const count = $("#mentions-count");
  const unread = desk.store.mentions.unread;
  count.hidden = !unread;
  count.textContent = String(unread);
}

async function loadMentions() {
  const answer = await get("mentions?unread=true&limit=200");
  desk.store.setMentions(answer.data, answer.unread);
}

// Opening a conversation reads its mentions of me.
function readMentions(id) {
  if (!desk.store.mentionsRead(id)) return;
  post("mentions/read", { conversationId: id })
    .then((answer) => {
      desk.store.mentions.unread = answer.unread;
      paintMentions();
    })
    .catch(() => {});
}

async function mentionsDialog() {
  const dialog = $("#mentions-dialog");
  const rows = $("#mention-rows");
  rows.replaceChildren();
  openDialog(dialog);
  let answer;
  try {
    answer = await get("mentions?limit=50");
  } catch (error) {
    toast(error.message, { kind: "error" });
    return;
  }
  $("#mentions-empty").hidden = answer.data.length > 0;
  for (const mention of answer.data) {
    const button = h("button", { type: "button", class: "mention-row", "data-unread": mention.readAt ? "no" : "yes", onclick: () => { dialog.close(); select(mention.conversationId); } },
      h("strong", { text: mention.contact.name }),
      h("span", { class: "hint", text: ` · ${mention.author?.name || _("Operator")} · ${new Date(mention.createdAt).toLocaleString()}` }),
      h("span", { class: "mention-text" }, ...noteNodes(mention.text)));
    rows.append(h("li", {}, button));
  }
}

const actions = {
  snooze: () => {
    const c = desk.store.conversations.get(desk.selectedId);
    if (!c || c.state !== "assigned" || c.snoozedAt) return;
    snoozeDialog(c, {
      send: (body) => desk.store.answered(() => post(`conversations/${c.id}/snooze`, body)),
      onDone: () => announce(_("Snoozed.")),
      onNotify: actions.notify,
    });
  },
  unsnooze: () => desk.selectedId !== null && act(`conversations/${desk.selectedId}/unsnooze`, { success: _("Back in your list.") }),
  claim: async () => {
    const id = desk.selectedId;
    if (id === null) return;
    const c = desk.store.conversations.get(id);
    if (!c || c.state !== "queued") return;
    const focused = document.activeElement;
    const claimed = await act(`conversations/${id}/claim`, { success: _("Claimed.") });
    // Into the reply box, unless the operator went on meanwhile (a key, a click): the answer
    // may come after the claim's own event, and focus must not jump back under their keys.
    if (claimed && document.activeElement === focused && desk.selectedId === id) desk.composer.focus();
  },
  release: () => desk.selectedId !== null && act(`conversations/${desk.selectedId}/release`, { success: _("Back in the queue.") }),
  // Sent after a few seconds, with Undo (and Z) until then: E is one key away from R and T.
  close: () => {
    const c = desk.store.conversations.get(desk.selectedId);
    if (!c || !["queued", "assigned"].includes(c.state)) return;
    if (desk.closing?.pending) {
      if (desk.closing.id === c.id) return;
      desk.closing.now();
    }
    const name = c.contact?.name || _("a contact");
    const note = toast(fmt(_("Closing the conversation with %(name)s…"), { name }), {
      kind: "warning", timeout: 0, action: { label: _("Undo"), run: () => desk.closing?.undo() },
    });
    note?.classList.add("toast-undo");
    desk.closing = undoable(() => act(`conversations/${c.id}/close`, { success: _("Conversation closed.") }), {
      delayMs: CLOSE_UNDO_MS,
      onDone: () => note?.remove(),
      onUndo: () => {
        note?.remove();
        announce(_("Not closed: the conversation stays open."));
      },
    });
    desk.closing.id = c.id;
    announce(fmt(_("Closing in %(s)s seconds. Press Z to undo."), { s: CLOSE_UNDO_MS / 1000 }));
  },
  transfer: () => {
    const c = desk.store.conversations.get(desk.selectedId);
    if (c && ["queued", "assigned"].includes(c.state)) transferDialog(desk.store, c);
  },
  notify: () => {
    const c = desk.store.conversations.get(desk.selectedId);
    if (c) notifyDialog(desk.store, c, templates);
  },
  retry: async (message) => {
    try {
      await post(`messages/${message.id}/retry`);
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
  },
  resend: (message) => desk.composer.prefill(message.text),
};

// --- keyboard ------------------------------------------------------------------------------------

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function move(step, { keepComposer = false } = {}) {
  const next = desk.list.neighbour(step);
  if (!next) return;
  select(next.id, { focus: keepComposer });
  if (!keepComposer) window.requestAnimationFrame(() => document.querySelector(`button.conv[data-id="${next.id}"]`)?.focus());
}

function onKey(event) {
  if (document.querySelector("dialog[open]")) return;
  if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    move(event.key === "ArrowDown" ? 1 : -1, { keepComposer: typing(event.target) });
    return;
  }
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const handlers = {
    j: () => move(1), k: () => move(-1),
    c: actions.claim, e: actions.close, t: actions.transfer, s: actions.snooze,
    l: () => desk.triage.openPicker(),
    p: () => $("#thread-priority").focus(),
    x: () => desk.bulk?.toggle(desk.selectedId),
    r: () => { desk.composer.setMode("reply"); desk.composer.focus(); },
    n: () => { desk.composer.setMode("note"); desk.composer.focus(); },
    z: () => desk.closing?.undo(),
    "?": helpDialog,
    "/": () => {
      desk.composer.focus();
      const text = $("#composer-text");
      if (document.activeElement === text && !text.value) {
        text.value = "/";
        text.dispatchEvent(new Event("input"));
      }
    },
  };
  const handler = handlers[key] || handlers[key.toLowerCase()];
  if (!handler) return;
  const anywhere = ["?", "j", "k"].includes(key.toLowerCase());
  if (!anywhere && desk.selectedId === null) return;
  event.preventDefault();
  handler();
}

// --- presence -------------------------------------------------------------------------------------

function startPresence() {
  const picker = $("#presence");
  const dot = $("#presence-dot");
  let saved = "online";
  try { saved = localStorage.getItem("desk.presence") || "online"; } catch { /* private mode */ }
  picker.value = saved === "away" ? "away" : "online";
  const beat = () => {
    dot.dataset.presence = picker.value;
    post("presence", { presence: picker.value }).catch((error) => {
      if (error instanceof ApiError && error.status === 401) signedOut();
    });
  };
  picker.addEventListener("change", () => {
    try { localStorage.setItem("desk.presence", picker.value); } catch { /* private mode */ }
    beat();
    announce(picker.value === "away" ? _("You are away.") : _("You are online."));
  });
  beat();
  const every = Math.max(5, Math.min(20, (desk.session.presenceTimeoutSeconds || 60) / 3)) * 1000;
  window.setInterval(beat, every);
}

// --- start-up -------------------------------------------------------------------------------------

async function boot({ again = false } = {}) {
  let session;
  try {
    session = await get("session");
  } catch (error) {
    if (error.status === 401) return signedOut();
    onSocketState("reconnecting", 3000);
    window.setTimeout(() => boot({ again }), 3000);
    return;
  }
  desk.session = session;
  if (!again) setUp(session);
  const route = desk.nav.current();
  if (!again && route.tab) desk.list.setTab(route.tab);
  await loadLists();
  if (desk.list.current === "ended") await loadEnded();
  desk.list.render();
  updateBadge();
  desk.socket.start(session.cursor);
  if (!again && route.conversationId !== null) await restore(route);
}

function setUp(session) {
  const store = new Store({ id: session.user.id, role: session.role, name: session.user.name || session.user.username });
  desk.store = store;
  desk.nav = new Navigation({ base: root.dataset.baseUrl, onRoute: restore });
  desk.filters = new FilterBar({
    onChange: (filters, { quiet }) => {
      desk.list.schedule();
      if (!quiet && desk.list.current === "ended") loadEnded().catch((error) => toast(error.message, { kind: "error" }));
    },
  });
  desk.panes = new Panes(root, { onList: backToList });
  desk.list = new ListPane(store, {
    onSelect: (id, options) => select(id, options),
    onNeedEnded: () => loadEnded().catch((error) => toast(error.message, { kind: "error" })),
    onShow: (list) => desk.nav.go({ conversationId: desk.selectedId, tab: list }),
    view: (rows) => view(rows, desk.filters.filters),
    filtering: () => isFiltering(desk.filters.filters),
    rowStart: (c) => desk.bulk?.checkbox(c) ?? null,
  });
  desk.triage = new Triage(store, { selected: () => desk.selectedId, onError: (message) => toast(message, { kind: "error" }) });
  desk.triage.load().catch((error) => toast(error.message, { kind: "error" }));
  if ($("#bulk")) {
    desk.bulk = new BulkSelection(store, { rows: () => desk.list.rows(), repaint: () => desk.list.render(), announce, toast });
  }
  store.addEventListener("labels", () => desk.filters.offerLabels([...store.labels.values()]));
  desk.thread = new ThreadPane(store, actions);
  desk.search = new SearchPane({ onOpen: openHit });
  desk.composer = new Composer(store, session, {
    templates,
    onSent: (message) => {
      if (message) store.applyOwn(message);
    },
    onNotify: actions.notify,
    confirmReply,
    prepareNote: (text) => desk.mentionPicker.tokens(text),
    onNoted,
    onTyping: (mode) => desk.room.typed(mode),
  });
  desk.mentionPicker = new MentionPicker({
    text: $("#composer-text"), box: $("#mention-picker"), list: $("#mention-list"),
    isNote: () => desk.composer.mode === "note", meId: store.me.id,
  });
  desk.alerts = new Alerts({ soundUrl: root.dataset.soundUrl, baseTitle: document.title, onOpen: (id) => id && select(id) });
  desk.socket = new DeskSocket({
    path: root.dataset.wsPath,
    heartbeatSeconds: session.heartbeatSeconds,
    onEvent,
    onReady,
    onReload: () => reload(),
    onState: onSocketState,
    onForbidden: signedOut,
    onRoom: (frame) => desk.room.receive(frame),
  });
  desk.room = new RoomClient({ send: (frame) => desk.socket.send(frame), meId: store.me.id, onChange: paintPresence });
  store.addEventListener("mentions", () => {
    paintMentions();
    desk.list.schedule(); // the rows' mention markers
  });
  $("#open-mentions").addEventListener("click", mentionsDialog);
  get("operators").then((answer) => learnNames(answer.data)).catch(() => {});
  loadMentions().catch(() => {});
  store.addEventListener("conversations", () => {
    desk.list.schedule();
    desk.triage.renderHeader();
    desk.bulk?.prune();
    desk.filters.offer([...store.conversations.values()]);
    updateBadge();
  });
  store.addEventListener("detail", (event) => onDetail(event.detail));
  store.addEventListener("lost", (event) => onLost(event.detail));
  $("#load-more").addEventListener("click", () => loadEnded(true));
  document.addEventListener("keydown", onKey);
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);
  $("#open-help").addEventListener("click", helpDialog);
  $("#open-alerts").addEventListener("click", () => alertsDialog(desk.alerts));
  const quick = $("#open-quick-replies");
  quick.hidden = false; // everyone keeps their own; supervisors and admins the team's too
  quick.addEventListener("click", () => quickRepliesDialog(() => { desk.templatesCache = null; }, { managesTeam: store.seesEverything }));
  // The window closes on the page's clock too, not only when the server says so.
  let wasOpen = null;
  onTick(() => {
    const c = store.conversations.get(desk.selectedId);
    const open = c ? windowOpen(c) : null;
    if (open !== wasOpen) {
      wasOpen = open;
      if (c) {
        desk.thread.renderHeader();
        desk.composer.paint();
      }
    }
  });
  startTicker();
  startPresence();
  keepToastsClear();
}

boot();
