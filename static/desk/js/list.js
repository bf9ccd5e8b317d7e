// The left pane: the four lists, their counts, unread badges, waiting time and window timers.
import { channelBadge } from "./channels.js";
import { rowBadges } from "./chips.js";
import { $, $$, clear, h } from "./dom.js";
import { _, fmt, ngettext, pgettext } from "./i18n.js";
import { paintTimers } from "./ticker.js";

const EMPTY = {
  queued: () => _("No conversations waiting."),
  mine: () => _("You have no open conversations."),
  snoozed: () => _("Nothing snoozed. Snoozed conversations come back by themselves."),
  open: () => _("No open conversations."),
  ended: () => _("No closed conversations yet."),
};

export class ListPane {
  // view(rows, list): the rows as the filter bar shows them; filtering(): whether it hides any;
  // rowStart(c): a node before a row's button (the bulk selection's checkbox), or null.
  constructor(store, { onSelect, onNeedEnded, onShow = () => {}, view = (rows) => rows, filtering = () => false, rowStart = () => null }) {
    this.store = store;
    this.rowStart = rowStart;
    this.view = view;
    this.filtering = filtering;
    this.current = "queued";
    this.selectedId = null;
    this.onSelect = onSelect;
    this.onNeedEnded = onNeedEnded;
    this.onShow = onShow; // the operator picked a tab (not the page restoring one)
    this.listNode = $("#conversation-list");
    this.emptyNode = $("#list-empty");
    this.tabs = $$('[role="tab"][data-list]');
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.show(tab.dataset.list));
      tab.addEventListener("keydown", (event) => this.tabKeys(event, tab));
    }
    this.scheduled = false;
  }

  tabKeys(event, tab) {
    const index = this.tabs.indexOf(tab);
    let next = null;
    if (event.key === "ArrowRight") next = this.tabs[(index + 1) % this.tabs.length];
    if (event.key === "ArrowLeft") next = this.tabs[(index - 1 + this.tabs.length) % this.tabs.length];
    if (next) {
      event.preventDefault();
      next.focus();
      this.show(next.dataset.list);
    }
  }

  show(list, { restoring = false } = {}) {
    const changed = list !== this.current;
    this.setTab(list);
    if (list === "ended" && !this.store.endedLoaded) this.onNeedEnded();
    this.render();
    if (changed && !restoring) this.onShow(list);
  }

  // The tab marked as current, without drawing (before the lists are loaded).
  setTab(list) {
    this.current = list;
    for (const tab of this.tabs) {
      const on = tab.dataset.list === list;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      if (on) $("#conversation-panel").setAttribute("aria-labelledby", tab.id);
    }
  }

  rows() {
    return this.view(this.store.list(this.current), this.current);
  }

  // Next / previous conversation in the list on screen (keyboard).
  neighbour(step) {
    const rows = this.rows();
    if (!rows.length) return null;
    const index = rows.findIndex((c) => c.id === this.selectedId);
    if (index === -1) return rows[step > 0 ? 0 : rows.length - 1];
    return rows[Math.min(rows.length - 1, Math.max(0, index + step))];
  }

  select(id) {
    this.selectedId = id;
    for (const node of this.listNode.querySelectorAll("button.conv")) {
      if (Number(node.dataset.id) === id) node.setAttribute("aria-current", "true");
      else node.removeAttribute("aria-current");
    }
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    window.requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  render() {
    const rows = this.rows();
    // The focus stays on its row's button or checkbox through the redraw.
    const focusedNode = document.activeElement?.closest?.("#conversation-list button.conv, #conversation-list .bulk-check");
    const focused = focusedNode && `${focusedNode.matches(".bulk-check") ? ".bulk-check" : "button.conv"}[data-id="${focusedNode.dataset.id}"]`;
    clear(this.listNode);
    for (const c of rows) this.listNode.append(this.item(c));
    this.emptyNode.hidden = rows.length > 0;
    this.emptyNode.textContent = rows.length ? "" : this.filtering() ? _("No conversation matches these filters.") : EMPTY[this.current]();
    if (focused) this.listNode.querySelector(focused)?.focus();
    this.counts();
    paintTimers(this.listNode);
  }

  counts() {
    for (const name of ["queued", "mine", "snoozed", "open"]) {
      const rows = this.store.list(name);
      const node = $(`[data-count="${name}"]`);
      if (node) node.textContent = String(rows.length);
    }
    const unread = this.store.list("mine").reduce((sum, c) => sum + (c.unread || 0), 0);
    const mine = $('[data-count="mine"]');
    if (mine) mine.dataset.unread = unread ? "yes" : "no";
  }

  item(c) {
    const waiting = c.state === "queued";
    const preview = c.preview
      ? (c.preview.kind === "outgoing" ? _("You: ") : "") + (c.preview.text || _("(attachment)"))
      : "";
    const unread = c.unread || 0;
    const mentioned = this.store.mentions.byConversation.get(c.id) || 0;
    const mentionLabel = fmt(ngettext("%(n)s unread mention of you", "%(n)s unread mentions of you", mentioned), { n: mentioned });
    const open = c.state === "queued" || c.state === "assigned";
    const button = h("button", {
      type: "button",
      class: "conv",
      dataset: { id: String(c.id), state: c.state },
      "aria-current": c.id === this.selectedId ? "true" : null,
      onclick: () => this.onSelect(c.id, { focus: false }),
    },
    channelBadge(c.channel, h),
    h("span", { class: "conv-main" },
      h("span", { class: "conv-top" },
        h("span", { class: "conv-name", text: c.contact?.name || _("Unknown contact") }),
        h("span", { class: "conv-time", title: waiting ? _("Waiting") : _("Last activity") },
          h("span", { class: "visually-hidden", text: waiting ? _("waiting") + " " : "" }),
          h("span", { "data-since": waiting ? c.queuedAt : (c.lastMessageAt || c.assignedAt || c.queuedAt) }))),
      h("span", { class: "conv-preview", text: preview }),
      c.labels?.length || (c.priority && c.priority !== "normal") ? h("span", { class: "conv-tags" }, rowBadges(c)) : null,
      h("span", { class: "conv-bottom" },
        open && c.expiresAt ? h("span", { class: "window-timer small", "data-expires": c.expiresAt }) : h("span", { class: "state-chip small", text: stateLabel(c.state) }),
        c.assignee && this.current !== "mine" ? h("span", { class: "conv-assignee", text: c.assignee.name }) : null,
        mentioned ? h("span", { class: "mention-badge", text: "@", title: mentionLabel, "aria-label": mentionLabel }) : null,
        unread ? h("span", { class: "unread-badge", text: String(unread), "aria-label": fmt(ngettext("%(n)s unread message", "%(n)s unread messages", unread), { n: unread }) }) : null)));
    const start = this.rowStart(c);
    return h("li", { class: start ? "has-check" : null }, start, button);
  }
}

export function stateLabel(state) {
  return {
    queued: _("In queue"),
    assigned: _("Assigned"),
    closed: pgettext("conversation state", "Closed"),
    expired: _("Window expired"),
  }[state] || state;
}
