// What the "new conversation waiting" toast says: the conversations that came into the queue
// while it is on screen. A burst is one toast with a count ("5 new conversations waiting"), and
// a conversation that leaves the queue (claimed by anyone, transferred, closed, expired) is taken
// out of it, so the toast never points at a dialog that is no longer waiting.
// Pure: no DOM here, so node tests it; alerts.js shows it.
import { _, fmt, ngettext } from "./i18n.js";

const PREVIEW_CHARS = 80;

const queuedTime = (conversation) => {
  const time = Date.parse(conversation.queuedAt ?? "");
  return Number.isNaN(time) ? Infinity : time;
};

export class Arrivals {
  constructor() {
    this.waiting = new Map(); // id -> conversation, in the order they came
  }

  get size() {
    return this.waiting.size;
  }

  // The same conversation twice (a replay, a re-queue) is counted once.
  add(conversation, text = "") {
    if (conversation?.id === null || conversation?.id === undefined) return false;
    const known = this.waiting.has(conversation.id);
    this.waiting.set(conversation.id, { conversation, text: text || "" });
    return !known;
  }

  // Whether it was there: only then does the toast change.
  remove(id) {
    return this.waiting.delete(id);
  }

  clear() {
    this.waiting.clear();
  }

  // The one that has waited longest: what "Open" opens. By when the desk queued it, not by
  // when its event got here (two appliers may finish a burst in any order); ties and
  // conversations without the time keep the order they came in.
  first() {
    let oldest = null;
    for (const { conversation } of this.waiting.values()) {
      if (!oldest || queuedTime(conversation) < queuedTime(oldest)) oldest = conversation;
    }
    return oldest;
  }

  // One: who it is and what they wrote; several: how many.
  label() {
    const n = this.waiting.size;
    if (n === 0) return "";
    if (n === 1) {
      const [{ conversation, text }] = this.waiting.values();
      const name = conversation.contact?.name || _("a contact");
      const said = text ? ` — ${text.slice(0, PREVIEW_CHARS)}` : "";
      return fmt(_("New conversation waiting: %(name)s"), { name }) + said;
    }
    return fmt(ngettext("%(n)s new conversation waiting", "%(n)s new conversations waiting", n), { n });
  }
}
