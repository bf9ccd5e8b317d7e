// The reply box: Enter sends, Shift+Enter is a new line, / opens canned responses, files are
// pasted, dropped or picked (checked against the 10 MB limit and the channel's rules before
// anything is uploaded), and the Note mode writes what only operators see. A reply that could
// not be sent keeps its text and its clientKey, so sending it again never makes two replies.
import { ApiError, api, post } from "./api.js";
import { $, announce, clear, h } from "./dom.js";
import { DraftStore, emptyDraft } from "./drafts.js";
import { _, fmt } from "./i18n.js";
import { contactValues, fill } from "./fill.js";
import { windowOpen } from "./thread.js";
import { fullDate } from "./time.js";

function newKey() {
  return globalThis.crypto?.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function megabytes(bytes) {
  return (bytes / 1048576).toFixed(1);
}

export class Composer {
  // confirmReply(): resolves false to hold a reply back (someone else is typing one);
  // prepareNote(text): the note as sent (mention tokens); onNoted(answer); onTyping(mode).
  constructor(store, session, { templates, onSent, onNotify, onClaim, confirmReply, prepareNote, onNoted, onTyping }) {
    this.store = store;
    this.session = session;
    this.hooks = { confirmReply, prepareNote, onNoted, onTyping };
    this.templates = templates; // () => Promise<list>
    this.onSent = onSent;
    this.onNotify = onNotify;
    this.onClaim = onClaim;
    this.id = null;
    this.drafts = new Map();
    this.kept = new DraftStore(browserStorage(), store.me.id);
    this.kept.prune();
    this.form = $("#composer-form");
    this.text = $("#composer-text");
    this.error = $("#composer-error");
    this.hint = $("#composer-hint");
    this.sendButton = $("#composer-send");
    this.fileInput = $("#composer-file");
    this.pending = $("#attachments-pending");
    this.canned = { box: $("#canned"), list: $("#canned-list"), items: [], index: 0, open: false, start: 0 };
    this.bind();
  }

  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.text.addEventListener("keydown", (event) => this.keys(event));
    this.text.addEventListener("input", () => {
      this.setText(this.text.value);
      if (this.text.value.trim()) this.hooks.onTyping?.(this.mode);
      this.updateCanned();
    });
    // Closed a moment after the box loses focus (a click on an option lands first), unless the
    // focus has come back by then: a blur just before typing "/" must not close the list that
    // typing opens.
    this.text.addEventListener("blur", () => {
      window.clearTimeout(this.blurTimer);
      this.blurTimer = window.setTimeout(() => {
        if (document.activeElement !== this.text) this.closeCanned();
      }, 150);
    });
    for (const radio of this.form.querySelectorAll('input[name="mode"]')) {
      radio.addEventListener("change", () => this.setMode(radio.value));
    }
    $("#composer-discard").addEventListener("click", () => this.discard());
    this.fileInput.addEventListener("change", () => {
      this.addFiles([...this.fileInput.files]);
      this.fileInput.value = "";
    });
    this.text.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (files.length) {
        event.preventDefault();
        this.addFiles(files);
      }
    });
    const pane = $("#thread");
    pane.addEventListener("dragover", (event) => {
      if (event.dataTransfer?.types?.includes("Files")) {
        event.preventDefault();
        pane.classList.add("dropping");
      }
    });
    pane.addEventListener("dragleave", (event) => {
      if (!pane.contains(event.relatedTarget)) pane.classList.remove("dropping");
    });
    pane.addEventListener("drop", (event) => {
      pane.classList.remove("dropping");
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      this.addFiles([...event.dataTransfer.files]);
    });
    $("#composer-notify").addEventListener("click", () => this.onNotify());
  }

  draft() {
    if (!this.drafts.has(this.id)) {
      const kept = this.id === null ? null : this.kept.load(this.id);
      this.drafts.set(this.id, kept ? { ...kept, clientKey: kept.clientKey || newKey() } : emptyDraft(newKey()));
    }
    return this.drafts.get(this.id);
  }

  // What the box shows: the reply or the note being written (each kept apart, so switching to
  // the reply never sends a note's words to the contact).
  shownText() {
    const draft = this.draft();
    return this.mode === "note" ? draft.note : draft.text;
  }

  setText(value) {
    const draft = this.draft();
    if (this.mode === "note") draft.note = value;
    else draft.text = value;
    this.keep();
  }

  keep() {
    if (this.id !== null) this.kept.save(this.id, this.draft());
  }

  // R, N, Esc and the radio buttons: the mode is always the one on screen.
  setMode(mode) {
    if (this.id === null) return;
    this.draft().mode = mode === "note" ? "note" : "reply";
    this.keep();
    this.closeCanned();
    this.paint();
  }

  discard() {
    const draft = this.draft();
    if (this.mode === "note") draft.note = "";
    else Object.assign(draft, { text: "", attachments: [], clientKey: newKey() });
    this.keep();
    this.hint.textContent = "";
    this.paint();
    this.focus();
    announce(_("Draft discarded."));
  }

  open(id) {
    this.closeCanned();
    this.id = id;
    this.error.textContent = "";
    if (id === null) return;
    // Shown at once, even before the conversation itself has loaded (opened by its address).
    this.mode = this.draft().mode;
    this.text.value = this.shownText();
    this.paint();
  }

  conversation() {
    return this.store.conversations.get(this.id) || null;
  }

  // Why the operator cannot reply now, or "" when they can.
  replyBlocked(c) {
    const me = this.store.me;
    if (!c) return _("No conversation.");
    if (!windowOpen(c)) return "window";
    if (c.state === "queued") return _("Claim the conversation to reply.");
    if (c.state !== "assigned") return _("The conversation is closed.");
    if (c.assignee?.id !== me.id) return fmt(_("Assigned to %(name)s: you can add internal notes."), { name: c.assignee?.name || "" });
    return "";
  }

  paint() {
    const c = this.conversation();
    if (!c) return;
    const draft = this.draft();
    const blocked = this.replyBlocked(c);
    const closedBox = $("#composer-closed");
    const replyRadio = this.form.querySelector('input[value="reply"]');
    const noteRadio = this.form.querySelector('input[value="note"]');
    if (blocked === "window") {
      const when = c.expiresAt ? fullDate(c.expiresAt) : "";
      $("#composer-closed-text").textContent = when
        ? fmt(_("The messaging window closed at %(time)s: the messenger no longer takes free text from the desk. Reach the contact with an approved template notification instead."), { time: when })
        : _("The messaging window is closed: the messenger no longer takes free text from the desk. Reach the contact with an approved template notification instead.");
      closedBox.hidden = false;
    } else {
      closedBox.hidden = true;
    }
    const canNote = !c.assignee || c.assignee.id === this.store.me.id || this.store.seesEverything;
    replyRadio.disabled = Boolean(blocked);
    noteRadio.disabled = !canNote;
    const mode = blocked ? "note" : draft.mode;
    replyRadio.checked = mode === "reply";
    noteRadio.checked = mode === "note";
    this.mode = mode;
    this.form.dataset.mode = mode;
    const shown = this.shownText();
    if (this.text.value !== shown) this.text.value = shown;
    const current = mode === "note" ? draft.note : draft.text;
    $("#composer-discard").hidden = !current.trim() && (mode === "note" || !draft.attachments.length);
    this.form.hidden = !canNote && Boolean(blocked);
    $("#composer-label").textContent = mode === "note" ? _("Internal note for operators") : _("Reply to the contact");
    this.text.placeholder = mode === "note"
      ? _("Internal note — only operators see it. Enter saves it.")
      : _("Type a reply — Enter sends, Shift+Enter adds a line, / for canned responses");
    this.hint.textContent = blocked && blocked !== "window" ? blocked : "";
    $("#attach-label").hidden = mode === "note";
    this.sendButton.textContent = mode === "note" ? _("Add note") : _("Send");
    this.renderPending();
  }

  focus() {
    if (!this.form.hidden) this.text.focus();
  }

  keys(event) {
    if (this.canned.open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        this.moveCanned(event.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && this.canned.items.length) {
        event.preventDefault();
        this.pickCanned(this.canned.items[this.canned.index]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closeCanned();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey) {
      event.preventDefault();
      this.send();
    } else if (event.key === "Escape") {
      // Leaving the box always leaves it in reply mode: what R and the next Enter do is never
      // a surprise (a note being written is kept, and N brings it back).
      this.setMode("reply");
      this.text.blur();
    }
  }

  // --- canned responses ------------------------------------------------------------------

  async updateCanned() {
    if (this.mode === "note") return this.closeCanned();
    const before = this.text.value.slice(0, this.text.selectionStart);
    const match = before.match(/(?:^|\s)\/([^\s/]*)$/);
    if (!match) return this.closeCanned();
    this.canned.start = before.length - match[1].length - 1;
    const query = match[1].toLowerCase();
    const asked = (this.cannedAsked = (this.cannedAsked || 0) + 1);
    let all;
    try {
      all = await this.templates();
    } catch (error) {
      this.error.textContent = error.message;
      return this.closeCanned();
    }
    if (asked !== this.cannedAsked) return; // typing went on; a later call shows its own

    const contact = this.store.details.get(this.id)?.contact;
    const values = contactValues(contact);
    this.canned.items = all
      .filter((t) => !query || t.name.toLowerCase().includes(query) || t.text.toLowerCase().includes(query))
      .slice(0, 30)
      .map((t) => ({ ...t, filled: fill(t.text, values) }));
    this.canned.index = 0;
    this.renderCanned();
  }

  renderCanned() {
    const { box, list, items } = this.canned;
    clear(list);
    if (!items.length) {
      list.append(h("li", { class: "canned-empty", role: "option", "aria-disabled": "true", text: _("No canned response matches.") }));
    }
    items.forEach((item, index) => {
      const option = h("li", {
        role: "option",
        id: `canned-${index}`,
        "aria-selected": String(index === this.canned.index),
        onmousedown: (event) => { event.preventDefault(); this.pickCanned(item); },
      },
      h("span", { class: "canned-name" }, h("span", { class: `canned-source source-${item.personal ? "personal" : item.source}`, text: item.source === "platform" ? _("Template") : item.personal ? _("My reply") : _("Quick reply") }), " ", item.name),
      h("span", { class: "canned-text", text: item.filled.text }));
      list.append(option);
    });
    box.hidden = false;
    this.canned.open = true;
    // A textarea is a textbox, which takes no aria-expanded: the list is announced through
    // aria-autocomplete (in the page) and the option the arrows reach, as the active descendant.
    this.text.setAttribute("aria-controls", "canned-list");
    if (items.length) this.text.setAttribute("aria-activedescendant", `canned-${this.canned.index}`);
    else this.text.removeAttribute("aria-activedescendant");
  }

  moveCanned(step) {
    const count = this.canned.items.length;
    if (!count) return;
    this.canned.index = (this.canned.index + step + count) % count;
    this.renderCanned();
    $(`#canned-${this.canned.index}`)?.scrollIntoView({ block: "nearest" });
  }

  pickCanned(item) {
    const value = this.text.value;
    const end = this.text.selectionStart;
    const inserted = item.filled.text;
    this.text.value = value.slice(0, this.canned.start) + inserted + value.slice(end);
    this.setText(this.text.value);
    this.closeCanned();
    this.text.focus();
    // Select the first placeholder nobody had a value for, so the operator types over it.
    const gap = inserted.match(/#[^#\s]+#/);
    if (gap) {
      const at = this.canned.start + gap.index;
      this.text.setSelectionRange(at, at + gap[0].length);
      this.hint.textContent = fmt(_("Fill in %(names)s before sending."), { names: item.filled.missing.map((k) => `#${k}#`).join(", ") });
    } else {
      const at = this.canned.start + inserted.length;
      this.text.setSelectionRange(at, at);
    }
  }

  closeCanned() {
    this.canned.open = false;
    this.canned.box.hidden = true;
    this.text.removeAttribute("aria-activedescendant");
  }

  // --- attachments -------------------------------------------------------------------------

  rule() {
    const c = this.conversation();
    const rules = this.session.attachmentRules || {};
    return rules[c?.channel] || rules.default || { max: 10, kinds: null };
  }

  addFiles(files) {
    if (this.mode === "note") {
      this.error.textContent = _("Internal notes cannot carry files.");
      return;
    }
    const draft = this.draft();
    const rule = this.rule();
    const maxBytes = this.session.limits?.maxFileBytes || 10485760;
    const problems = [];
    for (const file of files) {
      const kind = (file.type || "").split("/")[0] || "file";
      if (draft.attachments.length >= rule.max) {
        problems.push(rule.max === 0
          ? fmt(_("Messages on this channel cannot carry attachments, so %(name)s was not added."), { name: file.name })
          : fmt(_("Messages on this channel take at most %(n)s attachment(s); %(name)s was not added."), { n: rule.max, name: file.name }));
        continue;
      }
      if (file.size > maxBytes) {
        problems.push(fmt(_("%(name)s is %(size)s MB; the platform takes at most %(max)s MB per file."), { name: file.name, size: megabytes(file.size), max: Math.round(maxBytes / 1048576) }));
        continue;
      }
      if (rule.kinds && !rule.kinds.includes(kind)) {
        problems.push(fmt(_("Messages on this channel take only images; %(name)s is not one."), { name: file.name }));
        continue;
      }
      const item = { name: file.name, type: file.type, size: file.size, state: "uploading", url: null };
      draft.attachments.push(item);
      this.upload(item, file, draft);
    }
    this.error.textContent = problems.join(" ");
    this.renderPending();
  }

  async upload(item, file, draft) {
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const answer = await api("POST", "uploads", body, { form: true });
      Object.assign(item, { url: answer.url, type: answer.type || item.type, state: "ready" });
      const id = [...this.drafts].find(([, d]) => d === draft)?.[0];
      if (id !== undefined && id !== null) this.kept.save(id, draft);
    } catch (error) {
      item.state = "failed";
      this.error.textContent = fmt(_("%(name)s could not be uploaded: %(reason)s"), { name: item.name, reason: error.message });
    }
    this.renderPending();
  }

  renderPending() {
    clear(this.pending);
    const draft = this.draft();
    for (const item of draft.attachments) {
      const label = item.state === "uploading" ? _("uploading…") : item.state === "failed" ? _("failed") : `${megabytes(item.size)} MB`;
      this.pending.append(h("li", { class: `pending pending-${item.state}` },
        h("span", { class: "pending-name", text: item.name }),
        h("span", { class: "pending-state", text: label }),
        h("button", {
          type: "button", class: "link", text: _("Remove"), "aria-label": fmt(_("Remove %(name)s"), { name: item.name }),
          onclick: () => { draft.attachments = draft.attachments.filter((a) => a !== item); this.keep(); this.paint(); },
        })));
    }
  }

  // --- sending -----------------------------------------------------------------------------

  async send() {
    if (this.sending || this.id === null) return;
    const id = this.id;
    const draft = this.draft();
    const text = this.shownText().trim();
    const c = this.conversation();
    this.error.textContent = "";
    if (this.mode === "reply") {
      const blocked = this.replyBlocked(c);
      if (blocked) {
        this.paint();
        if (blocked !== "window") this.error.textContent = blocked;
        return;
      }
      if (draft.attachments.some((a) => a.state === "uploading")) {
        this.error.textContent = _("Wait until the files are uploaded.");
        return;
      }
      const ready = draft.attachments.filter((a) => a.state === "ready");
      if (!text && !ready.length) return;
      if (this.hooks.confirmReply && !(await this.hooks.confirmReply())) return;
      await this.submit(id, draft, "replies", {
        text, clientKey: draft.clientKey, attachments: ready.map(({ url, name, type }) => ({ url, name, type })),
      });
    } else {
      if (!text) return;
      await this.submit(id, draft, "notes", { text: this.hooks.prepareNote ? this.hooks.prepareNote(text) : text });
    }
  }

  async submit(id, draft, what, body) {
    this.sending = true;
    this.sendButton.disabled = true;
    try {
      const answer = await post(`conversations/${id}/${what}`, body);
      // Only what was sent leaves the draft: a note being written stays when a reply goes.
      if (what === "notes") draft.note = "";
      else Object.assign(draft, { text: "", attachments: [], clientKey: newKey() });
      this.kept.save(id, draft);
      if (this.id === id) {
        this.hint.textContent = "";
        this.paint();
      }
      this.onSent(answer.message);
      if (what === "notes") this.hooks.onNoted?.(answer);
      announce(what === "notes" ? _("Note added.") : _("Reply queued."));
    } catch (error) {
      if (error instanceof ApiError && error.code === "window_closed") {
        const c = this.conversation();
        if (c && error.body.expiresAt) c.expiresAt = error.body.expiresAt;
        if (c) c.operatorModeActive = false;
        this.paint();
      } else if (this.id === id) {
        // The draft and its clientKey stay: sending again is safe.
        this.error.textContent = error.message;
      }
    } finally {
      this.sending = false;
      this.sendButton.disabled = false;
    }
  }

  prefill(text) {
    Object.assign(this.draft(), { text, clientKey: newKey(), mode: "reply" });
    this.keep();
    this.paint();
    this.focus();
  }
}

function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null; // refused (private mode, a policy): drafts live in the page only
  }
}
