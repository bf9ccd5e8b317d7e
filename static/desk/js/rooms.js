// Who else is here: the operators who have the open conversation on screen, or are typing in
// it, said over the socket (desk.room.* frames, docs/websocket.md), never stored. An entry
// lasts the `ttl` its frame gives unless said again; this page says "viewing" every
// REFRESH_MS and "typing" at most every TYPING_EVERY_MS while keys are pressed.
import { _, fmt, ngettext } from "./i18n.js";

export const REFRESH_MS = 10_000;
export const TYPING_EVERY_MS = 2_000;

// The people in one room, as frames said them. Pure: node tests it with its own clock.
export class Presence {
  constructor(meId) {
    this.meId = meId;
    this.people = new Map(); // user id -> {user, viewingUntil, typingUntil, mode}
  }

  clear() {
    this.people.clear();
  }

  // Returns true when the frame names someone not here before (the page then says it is here
  // too, so the newcomer learns of it at once).
  apply(frame, now = Date.now()) {
    const id = frame.user?.id;
    if (id === undefined || id === this.meId) return false;
    if (frame.activity === "left") {
      this.people.delete(id);
      return false;
    }
    const known = this.people.get(id);
    const entry = known || { user: frame.user, viewingUntil: 0, typingUntil: 0, mode: null };
    const until = now + (frame.ttl || 0) * 1000;
    entry.user = frame.user;
    entry.viewingUntil = Math.max(entry.viewingUntil, until);
    if (frame.activity === "typing") {
      entry.typingUntil = until;
      entry.mode = frame.mode || null;
    }
    this.people.set(id, entry);
    return !known;
  }

  // {viewing: [names], typing: [{name, mode}]}, without the entries that ran out.
  who(now = Date.now()) {
    const viewing = [];
    const typing = [];
    for (const [id, entry] of this.people) {
      if (entry.viewingUntil <= now && entry.typingUntil <= now) {
        this.people.delete(id);
        continue;
      }
      if (entry.typingUntil > now) typing.push({ name: entry.user.name, mode: entry.mode });
      else viewing.push(entry.user.name);
    }
    return { viewing, typing };
  }

  // Who is typing in the conversation now, and what ({name, mode}). Only its holder may reply,
  // so this is mostly a supervisor's note on its way (an instruction the reply should wait
  // for), or the holder's other tab.
  typingNow(now = Date.now()) {
    return this.who(now).typing;
  }
}

// What the reply's sender is asked while others type here (typingNow): a note on its way is
// said to be one, so the sender knows it is an instruction they may want to read first.
export function typingQuestion(typing) {
  const names = typing.map((t) => t.name).join(", ");
  if (typing.every((t) => t.mode === "note")) {
    return fmt(ngettext(
      "%(names)s is writing a note in this conversation right now. Send your reply anyway?",
      "%(names)s are writing notes in this conversation right now. Send your reply anyway?",
      typing.length), { names });
  }
  return fmt(ngettext(
    "%(names)s is typing in this conversation right now. Send your reply anyway?",
    "%(names)s are typing in this conversation right now. Send your reply anyway?",
    typing.length), { names });
}

// One line for the thread's header: "Boris is typing…", "Boris and Anna are viewing".
export function presenceText({ viewing, typing }) {
  const parts = [];
  if (typing.length === 1) parts.push(fmt(_("%(name)s is typing…"), { name: typing[0].name }));
  else if (typing.length > 1) parts.push(fmt(_("%(names)s are typing…"), { names: typing.map((t) => t.name).join(", ") }));
  if (viewing.length === 1) parts.push(fmt(_("%(name)s is viewing"), { name: viewing[0] }));
  else if (viewing.length > 1) parts.push(fmt(_("%(names)s are viewing"), { names: viewing.join(", ") }));
  return parts.join(" · ");
}

// The page's side: enters the open conversation's room, keeps saying so, says typing, and
// tells `onChange` when who is here changes.
export class RoomClient {
  constructor({ send, meId, onChange }) {
    this.send = send;
    this.onChange = onChange;
    this.presence = new Presence(meId);
    this.id = null;
    this.typingAt = 0;
    this.refresher = null;
    this.expirer = null;
  }

  enter(id) {
    if (id === this.id) return;
    this.leave();
    this.id = id;
    this.say("desk.room.enter");
    this.refresher = window.setInterval(() => this.say("desk.room.enter"), REFRESH_MS);
    this.expirer = window.setInterval(() => this.onChange(), 1000);
  }

  leave() {
    if (this.id === null) return;
    this.say("desk.room.leave");
    window.clearInterval(this.refresher);
    window.clearInterval(this.expirer);
    this.id = null;
    this.presence.clear();
    this.onChange();
  }

  // After a reconnect the server has forgotten this socket's rooms.
  again() {
    if (this.id !== null) this.say("desk.room.enter");
  }

  typed(mode) {
    const now = Date.now();
    if (this.id === null || now - this.typingAt < TYPING_EVERY_MS) return;
    this.typingAt = now;
    this.send({ type: "desk.room.typing", conversationId: this.id, mode });
  }

  say(type) {
    this.send({ type, conversationId: this.id });
  }

  receive(frame) {
    if (frame.conversationId !== this.id) return;
    if (frame.type === "desk.room.refused") {
      this.presence.clear();
    } else if (this.presence.apply(frame)) {
      this.say("desk.room.enter");
    }
    this.onChange();
  }

  who() {
    return this.presence.who();
  }

  typingNow() {
    return this.presence.typingNow();
  }
}
