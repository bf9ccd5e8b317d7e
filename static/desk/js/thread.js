// The middle pane: the open conversation's header, actions and messages.
import { snoozeLabel } from "./snooze.js";
import { channelBadge, channelName } from "./channels.js";
import { $, clear, h } from "./dom.js";
import { _, fmt } from "./i18n.js";
import { stateLabel } from "./list.js";
import {
  fillMessage, fillNotification, messageNode, messageSignature, notificationNode, notificationSignature,
} from "./messages.js";
import { paintTimers } from "./ticker.js";
import { clock } from "./time.js";

const NEAR_BOTTOM = 120;

export function windowOpen(c, now = Date.now()) {
  if (!c || !c.operatorModeActive) return false;
  if (c.state === "expired") return false;
  return !c.expiresAt || new Date(c.expiresAt).getTime() > now;
}

export class ThreadPane {
  constructor(store, actions) {
    this.store = store;
    this.actions = actions;
    this.id = null;
    this.nodes = new Map();
    this.list = $("#messages");
    this.jump = $("#jump-latest");
    this.jump.addEventListener("click", () => this.scrollToEnd());
    this.list.addEventListener("scroll", () => {
      if (this.nearBottom()) this.jump.hidden = true;
    });
    for (const button of document.querySelectorAll(".thread-actions [data-action]")) {
      button.addEventListener("click", () => actions[button.dataset.action]?.());
    }
  }

  open(id) {
    this.id = id;
    this.nodes.clear();
    clear(this.list);
    this.unreadFrom = null;
    $("#thread-placeholder").hidden = id !== null;
    $("#thread").hidden = id === null;
    $("#thread").dataset.conversationId = id === null ? "" : String(id);
    if (id === null) return;
    const detail = this.store.details.get(id);
    this.unreadFrom = detail ? detail.lastReadMessageId : null;
    this.renderHeader();
    this.list.append(h("li", { class: "thread-loading", text: _("Loading…") }));
  }

  conversation() {
    return this.id === null ? null : this.store.conversations.get(this.id) || null;
  }

  inCharge(c) {
    const me = this.store.me;
    return Boolean(c && (c.assignee?.id === me.id || this.store.seesEverything));
  }

  renderHeader() {
    const c = this.conversation();
    if (!c) return;
    const me = this.store.me;
    $("#thread-name").textContent = c.contact?.name || _("Unknown contact");
    $("#thread-channel").replaceWith(Object.assign(channelBadge(c.channel, h), { id: "thread-channel" }));
    const chip = $("#thread-state");
    chip.textContent = stateLabel(c.state);
    chip.dataset.state = c.state;
    const connection = c.connection?.name ? ` · ${c.connection.name}` : ` · ${channelName(c.channel)}`;
    $("#thread-assignee").textContent = (c.assignee
      ? fmt(_("Assigned to %(name)s"), { name: c.assignee.id === me.id ? _("you") : c.assignee.name })
      : _("Not assigned")) + connection;
    const timer = $("#thread-window");
    const open = c.state === "queued" || c.state === "assigned";
    if (open && c.expiresAt) timer.dataset.expires = c.expiresAt;
    else delete timer.dataset.expires;
    timer.hidden = !(open && c.expiresAt);
    const mine = c.assignee?.id === me.id;
    const supervising = this.store.seesEverything;
    const show = {
      claim: c.state === "queued",
      transfer: (c.state === "assigned" && (mine || supervising)) || (c.state === "queued" && supervising),
      release: c.state === "assigned" && (mine || supervising),
      snooze: c.state === "assigned" && (mine || supervising) && !c.snoozedAt && windowOpen(c),
      unsnooze: c.state === "assigned" && (mine || supervising) && Boolean(c.snoozedAt),
      close: (c.state === "assigned" && (mine || supervising)) || (c.state === "queued" && supervising),
      notify: !windowOpen(c) && (!c.assignee || mine || supervising),
    };
    for (const [action, visible] of Object.entries(show)) {
      const button = document.querySelector(`.thread-actions [data-action="${action}"]`);
      if (button) button.hidden = !visible;
    }
    $("#thread-snooze").textContent = c.state === "assigned" ? snoozeLabel(c) : "";
    paintTimers($("#thread"));
  }

  // Messages, history and notifications in one order: the bot's history first, then the live
  // dialog by time.
  items() {
    const detail = this.store.details.get(this.id);
    if (!detail) return [];
    const rows = [];
    for (const m of detail.messages.values()) rows.push({ key: String(m.id), at: m.createdAt, history: m.kind === "history", id: m.id, message: m });
    for (const n of detail.notifications.values()) rows.push({ key: `n${n.id}`, at: n.createdAt, history: false, id: n.id, notification: n });
    rows.sort((a, b) => (b.history - a.history) || (a.at || "").localeCompare(b.at || "") || (a.id - b.id));
    return rows;
  }

  render({ reset = false } = {}) {
    const c = this.conversation();
    if (!c) return;
    this.renderHeader();
    const detail = this.store.details.get(this.id);
    if (!detail) return;
    const stick = reset || this.nearBottom();
    this.list.querySelector(".thread-loading")?.remove();
    if (reset && this.unreadFrom === null) this.unreadFrom = detail.lastReadMessageId;
    const items = this.items();
    const wanted = [];
    const hasHistory = items.some((i) => i.history);
    let dividerDone = false;
    let unreadDone = false;
    let added = 0;
    if (hasHistory) wanted.push(this.divider("history-start", _("Bot conversation before the hand-over")));
    for (const item of items) {
      if (!item.history && !dividerDone) {
        dividerDone = true;
        wanted.push(this.divider("handover", fmt(_("Handed to an operator · %(time)s"), { time: clock(c.queuedAt) })));
      }
      const m = item.message;
      if (m && !unreadDone && this.unreadFrom && m.kind === "incoming" && m.id > this.unreadFrom) {
        unreadDone = true;
        wanted.push(this.divider("unread", _("New messages"), "divider-unread"));
      }
      let node = this.nodes.get(item.key);
      if (!node) {
        node = m ? messageNode(m, { me: this.store.me, actions: this.actions }) : notificationNode(item.notification);
        this.nodes.set(item.key, node);
        added += 1;
      } else if (m && node.dataset.signature !== messageSignature(m)) {
        fillMessage(node, m, { me: this.store.me, actions: this.actions });
      } else if (!m && node.dataset.signature !== notificationSignature(item.notification)) {
        fillNotification(node, item.notification);
      }
      wanted.push(node);
    }
    // Put the nodes in order, moving only what is out of place.
    let cursor = this.list.firstElementChild;
    for (const node of wanted) {
      if (node === cursor) {
        cursor = cursor.nextElementSibling;
      } else {
        this.list.insertBefore(node, cursor);
      }
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
    if (stick) this.scrollToEnd();
    else if (added) this.jump.hidden = false;
  }

  divider(key, text, extra = "") {
    const id = `divider-${key}`;
    let node = this.nodes.get(id);
    if (!node) {
      // An item of the list like the messages (a list holds list items only); its words say
      // what it divides.
      node = h("li", { class: `divider ${extra}` }, h("span", { text }));
      this.nodes.set(id, node);
    } else if (node.textContent !== text) {
      node.firstChild.textContent = text;
    }
    return node;
  }

  nearBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < NEAR_BOTTOM;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
    this.jump.hidden = true;
  }

  lastMessageId() {
    const detail = this.store.details.get(this.id);
    if (!detail) return 0;
    let last = 0;
    for (const m of detail.messages.values()) if (m.id > last) last = m.id;
    return last;
  }
}
