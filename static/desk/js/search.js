// The search box over the lists: conversations found by the contact (name, phone, identifier)
// and by any message (incoming, replies, the bot's history, notes), open or ended, as
// GET /api/search gives them. Snippets come as parts; the hit becomes a <mark> built here, and
// every text goes into text nodes (dom.js: never innerHTML). `q` is kept in the address.
import { get } from "./api.js";
import { channelBadge } from "./channels.js";
import { $, clear, h } from "./dom.js";
import { _, fmt } from "./i18n.js";
import { stateLabel } from "./list.js";
import { queryParam, setQueryParams } from "./params.js";
import { clock } from "./time.js";

const MIN_LENGTH = 2;
const DELAY = 250;

const KIND = {
  incoming: () => _("Contact"),
  outgoing: () => _("Reply"),
  history: () => _("Bot dialog"),
  note: () => _("Note"),
};

export function snippetNode(parts) {
  return h("span", { class: "hit-snippet" }, ...(parts || []).map((p) => (p.mark ? h("mark", { text: p.text }) : p.text)));
}

export class SearchPane {
  constructor({ onOpen }) {
    this.onOpen = onOpen;
    this.input = $("#search-input");
    this.panel = $("#search-panel");
    this.results = $("#search-results");
    this.status = $("#search-status");
    this.more = $("#search-more");
    this.timer = null;
    this.asked = 0;
    this.next = null;
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.clear();
        this.input.blur();
      } else if (event.key === "Enter") {
        event.preventDefault();
        this.run();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        this.results.querySelector("button.hit")?.focus();
      }
    });
    $("#search-clear").addEventListener("click", () => { this.clear(); this.input.focus(); });
    this.more.addEventListener("click", () => this.run({ more: true }));
    this.results.addEventListener("keydown", (event) => this.arrows(event));
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        this.input.focus();
        this.input.select();
      }
    });
    const q = queryParam("q");
    if (q) {
      this.input.value = q;
      this.run();
    }
  }

  get active() {
    return !this.panel.hidden;
  }

  schedule() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.run(), DELAY);
  }

  clear() {
    window.clearTimeout(this.timer);
    this.asked += 1;
    this.input.value = "";
    this.show(false);
    setQueryParams({ q: null });
  }

  show(on) {
    this.panel.hidden = !on;
    $("#conversation-panel").hidden = on;
    $(".pane-list .tabs").hidden = on;
    $("#search-clear").hidden = !on && !this.input.value;
    document.dispatchEvent(new CustomEvent("desk:search", { detail: { active: on } }));
  }

  async run({ more = false } = {}) {
    window.clearTimeout(this.timer);
    const q = this.input.value.trim();
    setQueryParams({ q: q || null });
    if (q.length < MIN_LENGTH) {
      this.show(Boolean(q));
      clear(this.results);
      this.more.hidden = true;
      this.status.textContent = q ? fmt(_("Type at least %(n)s characters."), { n: MIN_LENGTH }) : "";
      return;
    }
    const asked = ++this.asked;
    const query = new URLSearchParams({ q });
    if (more && this.next) query.set("cursor", this.next);
    this.show(true);
    this.status.textContent = _("Searching…");
    let answer;
    try {
      answer = await get(`search?${query}`);
    } catch (error) {
      if (asked === this.asked) this.status.textContent = error.message;
      return;
    }
    if (asked !== this.asked) return; // a later search went out meanwhile
    if (!more) clear(this.results);
    this.next = answer.next;
    this.more.hidden = !answer.next;
    if (!more && answer.conversations.length) {
      this.results.append(h("li", { class: "hit-heading", role: "presentation", text: _("Contacts") }));
      for (const hit of answer.conversations) this.results.append(this.item(hit));
    }
    if (!more && answer.messages.length) {
      this.results.append(h("li", { class: "hit-heading", role: "presentation", text: _("Messages") }));
    }
    for (const hit of answer.messages) this.results.append(this.item(hit));
    const shown = this.results.querySelectorAll("button.hit").length;
    this.status.textContent = shown ? "" : fmt(_("Nothing found for “%(q)s”."), { q });
  }

  item(hit) {
    const c = hit.conversation;
    const m = hit.message;
    const when = m ? m.createdAt : c.queuedAt;
    const meta = [m ? KIND[m.kind]?.() : null, m?.author, stateLabel(c.state), c.assignee?.name].filter(Boolean).join(" · ");
    const button = h("button", {
      type: "button",
      class: "hit",
      dataset: { conversationId: String(c.id), messageId: m ? String(m.id) : "" },
      onclick: () => this.onOpen(hit),
    },
    channelBadge(c.channel, h),
    h("span", { class: "hit-main" },
      h("span", { class: "hit-top" },
        h("span", { class: "hit-name", text: c.contact?.name || _("Unknown contact") }),
        h("time", { class: "hit-time", datetime: when, text: when ? clock(when) : "" })),
      snippetNode(hit.snippet),
      h("span", { class: "hit-meta", text: meta })));
    return h("li", {}, button);
  }

  arrows(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = [...this.results.querySelectorAll("button.hit")];
    const index = buttons.indexOf(document.activeElement);
    if (index === -1) return;
    event.preventDefault();
    if (event.key === "ArrowUp" && index === 0) this.input.focus();
    else buttons[Math.max(0, Math.min(buttons.length - 1, index + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  }
}

// Scroll the open thread to a message and mark it for a moment (a search hit opened).
export function revealMessage(messageId) {
  const node = document.querySelector(`#messages li[data-id="${Number(messageId)}"]`);
  if (!node) return false;
  node.scrollIntoView({ block: "center" });
  node.classList.add("msg-found");
  window.setTimeout(() => node.classList.remove("msg-found"), 4000);
  return true;
}
