// Alerts for a new conversation in the queue and a new message in my conversations: a sound,
// a browser notification (when the desk is not in front) and a count in the tab title, each
// switchable and remembered in this browser. Several alerts within a moment become one; new
// conversations in the queue share one toast that counts them and forgets those taken.
import { Arrivals } from "./arrivals.js";
import { toast } from "./dom.js";
import { _, fmt, ngettext } from "./i18n.js";

const KEY = "desk.alerts";
const DEFAULTS = { sound: true, notify: true, title: true };
const GATHER_MS = 400;
const TOAST_MS = 6000;

export class Alerts {
  constructor({ soundUrl, baseTitle, onOpen }) {
    this.settings = { ...DEFAULTS, ...readSettings() };
    this.soundUrl = soundUrl;
    this.baseTitle = baseTitle;
    this.onOpen = onOpen;
    this.batch = [];
    this.seen = new Set();
    this.arrivals = new Arrivals();
    this.arrivalsToast = null;
    this.audio = null;
    // Browsers play sound only after the person has interacted with the page: prepare the
    // audio on the first click or key press.
    const unlock = () => {
      this.audio = this.audio || new Audio(this.soundUrl);
      this.audio.load();
      window.removeEventListener("pointerdown", unlock);
      window.removeEventListener("keydown", unlock);
    };
    window.addEventListener("pointerdown", unlock);
    window.addEventListener("keydown", unlock);
  }

  set(name, value) {
    this.settings[name] = value;
    try { localStorage.setItem(KEY, JSON.stringify(this.settings)); } catch { /* private mode */ }
    this.badge(this.lastCount || 0);
  }

  async askPermission() {
    if (!("Notification" in window)) return false;
    if (Notification.permission === "granted") return true;
    if (Notification.permission === "denied") return false;
    return (await Notification.requestPermission()) === "granted";
  }

  // kind: "queued" | "message" | "assigned" | "woken" | "mention"; key: what makes it the same
  // alert twice.
  raise({ kind, key, conversation, text, author }) {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.batch.push({ kind, conversation, text, author });
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.flush(), GATHER_MS);
  }

  flush() {
    const batch = this.batch;
    this.batch = [];
    if (!batch.length) return;
    const first = batch[0];
    const title = batch.length === 1 ? describe(first) : summary(batch);
    const body = batch.length === 1 ? (first.text || "") : batch.map(describe).slice(0, 4).join("\n");
    const sound = this.settings.sound && this.play();
    let notification = false;
    const away = document.visibilityState !== "visible" || !document.hasFocus();
    if (this.settings.notify && away && "Notification" in window && Notification.permission === "granted") {
      try {
        const shown = new Notification(title, { body, tag: `desk-${first.conversation.id}`, icon: "/static/desk/icon.svg" });
        shown.onclick = () => { window.focus(); this.onOpen(first.conversation.id); shown.close(); };
        notification = true;
      } catch { /* some browsers only allow notifications from a service worker */ }
    }
    const queued = batch.filter((b) => b.kind === "queued");
    const others = batch.filter((b) => b.kind !== "queued");
    if (queued.length) {
      // Dismissed or timed out: the next ones start a new count.
      if (!this.arrivalsToast?.isConnected) this.arrivals.clear();
      for (const item of queued) this.arrivals.add(item.conversation, item.text);
      this.showArrivals({ fresh: true });
    }
    if (others.length) {
      const one = others[0];
      toast(others.length === 1 ? `${describe(one)}${one.text ? " — " + one.text.slice(0, 80) : ""}` : summary(others), {
        action: { label: _("Open"), run: () => this.onOpen(one.conversation.id) },
      });
    }
    window.dispatchEvent(new CustomEvent("desk:alert", { detail: { kinds: batch.map((b) => b.kind), title, sound, notification } }));
  }

  // The conversation left the queue (anyone claimed it, it was transferred, closed or expired):
  // it is no longer news, whether its alert is still gathering or already in the toast.
  withdraw(id) {
    this.batch = this.batch.filter((b) => !(b.kind === "queued" && b.conversation.id === id));
    if (this.arrivals.remove(id)) this.showArrivals({ fresh: false });
  }

  // One toast for every arrival while it is up: its count goes up with each newcomer (and its
  // time starts again), down as they are taken; the last one taken takes it away. It stays while
  // the pointer or the focus is on it, so it can be read and acted on.
  showArrivals({ fresh }) {
    const node = this.arrivalsToast;
    if (!fresh && !node?.isConnected) {
      // Dismissed (or opened): one of them being taken since is no reason to bring it back.
      this.arrivals.clear();
      this.arrivalsToast = null;
      return;
    }
    if (!this.arrivals.size) {
      node?.remove();
      this.arrivalsToast = null;
      window.clearTimeout(this.arrivalsTimer);
      return;
    }
    if (node?.isConnected) {
      node.querySelector(".toast-text").textContent = this.arrivals.label();
    } else {
      this.arrivalsToast = toast(this.arrivals.label(), {
        timeout: 0,
        action: { label: _("Open"), run: () => this.onOpen(this.arrivals.first()?.id ?? null) },
      });
      this.arrivalsToast?.classList.add("toast-arrivals");
    }
    if (!fresh) return;
    const expire = () => {
      const shown = this.arrivalsToast;
      if (shown?.matches(":hover, :focus-within")) {
        this.arrivalsTimer = window.setTimeout(expire, 1000);
        return;
      }
      shown?.remove();
      this.arrivalsToast = null;
      this.arrivals.clear();
    };
    window.clearTimeout(this.arrivalsTimer);
    this.arrivalsTimer = window.setTimeout(expire, TOAST_MS);
  }

  play() {
    try {
      const audio = this.audio || new Audio(this.soundUrl);
      this.audio = audio;
      audio.currentTime = 0;
      const playing = audio.play();
      if (playing && playing.catch) playing.catch(() => {});
      return true;
    } catch {
      return false;
    }
  }

  test() {
    this.raise({ kind: "test", key: `test-${Date.now()}`, conversation: { id: null, contact: { name: _("Test") } }, text: _("This is how alerts look and sound.") });
  }

  // The tab title: "(3) Operator Desk" while 3 things wait for me.
  badge(count) {
    this.lastCount = count;
    const title = this.settings.title && count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
    if (document.title !== title) document.title = title;
  }
}

function describe(item) {
  const name = item.conversation?.contact?.name || _("a contact");
  if (item.kind === "queued") return fmt(_("New conversation waiting: %(name)s"), { name });
  if (item.kind === "assigned") return fmt(_("Conversation assigned to you: %(name)s"), { name });
  if (item.kind === "test") return _("Alerts are on");
  if (item.kind === "woken") return fmt(_("Snoozed conversation is back: %(name)s"), { name });
  if (item.kind === "mention") return fmt(_("%(author)s mentioned you: %(name)s"), { author: item.author || _("Operator"), name });
  return fmt(_("New message from %(name)s"), { name });
}

function summary(batch) {
  const count = (kind) => batch.filter((b) => b.kind === kind).length;
  const parts = [];
  const queued = count("queued");
  const assigned = count("assigned");
  const messages = count("message");
  if (queued) parts.push(fmt(ngettext("%(n)s new conversation waiting", "%(n)s new conversations waiting", queued), { n: queued }));
  if (assigned) parts.push(fmt(ngettext("%(n)s conversation assigned to you", "%(n)s conversations assigned to you", assigned), { n: assigned }));
  if (messages) parts.push(fmt(ngettext("%(n)s new message", "%(n)s new messages", messages), { n: messages }));
  const woken = count("woken");
  const mentions = count("mention");
  if (woken) parts.push(fmt(ngettext("%(n)s snoozed conversation back", "%(n)s snoozed conversations back", woken), { n: woken }));
  if (mentions) parts.push(fmt(ngettext("%(n)s mention", "%(n)s mentions", mentions), { n: mentions }));
  return parts.join(", ");
}

function readSettings() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "{}") || {};
  } catch {
    return {};
  }
}
