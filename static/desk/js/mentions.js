// Mentions in internal notes: `@` opens a picker of operators (arrows, Enter or Tab, Escape;
// or the mouse); the note shows "@Name" while it is written and is sent with the stable token
// `<@id>` (docs/api.md, Mentions), which the thread shows as @Name again.
import { get } from "./api.js";
import { h, linkified } from "./dom.js";
import { _ } from "./i18n.js";

const TOKEN = /<@(\d{1,18})>/g;
const names = new Map(); // user id -> name, for showing tokens

export function learnNames(operators) {
  for (const o of operators) names.set(o.id, o.name);
}

// The query after an "@" just before the caret, or null.
export function mentionQuery(before) {
  const match = before.match(/(?:^|\s)@([^\s@<>]{0,30})$/);
  return match ? match[1] : null;
}

// The text as sent: each "@Name" picked becomes its token.
export function withTokens(text, picked) {
  let out = text;
  for (const [name, id] of [...picked].sort((a, b) => b[0].length - a[0].length)) {
    out = out.split(`@${name}`).join(`<@${id}>`);
  }
  return out;
}

// [{text} | {mention: id, name}] in order.
export function mentionParts(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    const id = Number(match[1]);
    parts.push({ mention: id, name: names.get(id) || `#${id}` });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

// A note's text as plain text, mentions as @Name (alerts, notifications).
export function mentionPlain(text) {
  return mentionParts(text).map((part) => (part.text !== undefined ? part.text : `@${part.name}`)).join("");
}

// A note's text as nodes: links as the thread makes them, mentions as @Name.
export function noteNodes(text) {
  return mentionParts(text).map((part) => (part.text !== undefined
    ? linkified(part.text)
    : h("span", { class: "mention", "data-user-id": String(part.mention), text: `@${part.name}` })));
}

// The picker on the composer's box, only in note mode.
export class MentionPicker {
  constructor({ text, box, list, isNote, meId, loadOperators = () => get("operators") }) {
    this.text = text;
    this.loadOperators = loadOperators;
    this.operatorsLoading = null;
    this.updates = 0; // each input's turn: an update that awaited the operators may be stale
    this.box = box;
    this.list = list;
    this.isNote = isNote;
    this.meId = meId;
    this.picked = new Map(); // name -> id, of this draft
    this.items = [];
    this.index = 0;
    this.open = false;
    text.addEventListener("input", () => this.update());
    // Before the composer's own keys (Enter sends there).
    text.addEventListener("keydown", (event) => this.keys(event), { capture: true });
    // Later than a click on an option (mousedown keeps the focus anyway), and not if the box
    // has the focus again by then: a picker opened since must stay open.
    text.addEventListener("blur", () => window.setTimeout(() => {
      if (document.activeElement !== this.text) this.close();
    }, 150));
  }

  // Asked for once, however many keystrokes come before the answer (asked again after a
  // failure).
  load() {
    if (!this.operatorsLoading) {
      this.operatorsLoading = this.loadOperators().then(
        (answer) => {
          learnNames(answer.data);
          return answer.data;
        },
        (error) => {
          this.operatorsLoading = null;
          throw error;
        },
      );
    }
    return this.operatorsLoading;
  }

  async update() {
    const turn = ++this.updates;
    if (!this.isNote() || this.query() === null) return this.close();
    const operators = await this.load();
    // Keystrokes came meanwhile (a pick, the rest of the note): the latest input decides.
    // A stale update opening the picker again made the note's Enter pick once more, over it.
    if (turn !== this.updates) return;
    const before = this.text.value.slice(0, this.text.selectionStart);
    const query = this.query();
    if (query === null) return this.close();
    const q = query.toLowerCase();
    this.start = before.length - query.length - 1;
    this.items = operators
      .filter((o) => o.id !== this.meId)
      .filter((o) => o.name.toLowerCase().includes(q) || o.username.toLowerCase().includes(q))
      .slice(0, 8);
    this.index = 0;
    this.render();
  }

  // The query after an "@" just before the caret, or null.
  query() {
    return mentionQuery(this.text.value.slice(0, this.text.selectionStart));
  }

  render() {
    this.list.replaceChildren(...this.items.map((o, i) => h("li", {
      role: "option",
      id: `mention-option-${o.id}`,
      "aria-selected": String(i === this.index),
      onmousedown: (event) => { event.preventDefault(); this.pick(o); },
    }, h("span", { class: "mention-name", text: o.name }), h("span", { class: "mention-user", text: ` ${o.username}` }))));
    if (!this.items.length) this.list.append(h("li", { class: "empty", text: _("No operator of that name.") }));
    this.box.hidden = false;
    this.open = true;
    this.text.setAttribute("aria-activedescendant", this.items[this.index] ? `mention-option-${this.items[this.index].id}` : "");
  }

  close() {
    if (!this.open) return;
    this.open = false;
    this.box.hidden = true;
    this.text.removeAttribute("aria-activedescendant");
  }

  keys(event) {
    if (!this.open) return;
    const stop = () => { event.preventDefault(); event.stopImmediatePropagation(); };
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      stop();
      if (!this.items.length) return;
      this.index = (this.index + (event.key === "ArrowDown" ? 1 : -1) + this.items.length) % this.items.length;
      this.render();
    } else if ((event.key === "Enter" || event.key === "Tab") && this.items.length) {
      stop();
      this.pick(this.items[this.index]);
    } else if (event.key === "Escape") {
      stop();
      this.close();
    }
  }

  pick(operator) {
    const value = this.text.value;
    const end = this.text.selectionStart;
    const inserted = `@${operator.name} `;
    this.text.value = value.slice(0, this.start) + inserted + value.slice(end);
    const caret = this.start + inserted.length;
    this.text.setSelectionRange(caret, caret);
    this.picked.set(operator.name, operator.id);
    this.close();
    this.text.dispatchEvent(new Event("input"));
    this.text.focus();
  }

  // The note as sent, and the picks forgotten.
  tokens(text) {
    const out = withTokens(text, this.picked);
    this.picked = new Map();
    return out;
  }
}
