// Drafts kept in this browser (localStorage), one per operator and conversation, until sent or
// discarded: the reply's text, its uploaded attachments (what the upload answered: a file still
// uploading cannot be kept), the note being written, the mode, and the reply's clientKey, so a
// reply sent again after a reload is still the same reply to the server. A reload, a switch to
// another conversation and a reconnect all come back to it.

const PREFIX = "desk.draft.";
const MAX_AGE_MS = 14 * 24 * 3600 * 1000; // a draft nobody came back to for two weeks is dropped

export function emptyDraft(clientKey) {
  return { text: "", note: "", mode: "reply", attachments: [], clientKey };
}

// Whether there is anything worth keeping.
export function isEmpty(draft) {
  return !draft.text.trim() && !draft.note.trim() && !draft.attachments.some((a) => a.state === "ready");
}

export class DraftStore {
  constructor(storage, userId, { now = () => Date.now(), maxAgeMs = MAX_AGE_MS } = {}) {
    this.storage = storage; // localStorage, or null when the browser refuses it
    this.prefix = `${PREFIX}${userId}.`;
    this.now = now;
    this.maxAgeMs = maxAgeMs;
  }

  key(id) {
    return `${this.prefix}${id}`;
  }

  // The kept draft of conversation `id`, or null.
  load(id) {
    const raw = this.read(this.key(id));
    if (!raw) return null;
    let saved;
    try {
      saved = JSON.parse(raw);
    } catch {
      this.remove(id);
      return null;
    }
    if (!saved || typeof saved !== "object" || this.now() - (saved.savedAt || 0) > this.maxAgeMs) {
      this.remove(id);
      return null;
    }
    return {
      text: String(saved.text || ""),
      note: String(saved.note || ""),
      mode: saved.mode === "note" ? "note" : "reply",
      attachments: (Array.isArray(saved.attachments) ? saved.attachments : [])
        .filter((a) => a && typeof a.url === "string")
        .map((a) => ({ name: String(a.name || ""), type: String(a.type || ""), size: Number(a.size) || 0, url: a.url, state: "ready" })),
      clientKey: typeof saved.clientKey === "string" ? saved.clientKey : null,
    };
  }

  save(id, draft) {
    if (isEmpty(draft)) return this.remove(id);
    const kept = {
      text: draft.text,
      note: draft.note,
      mode: draft.mode,
      clientKey: draft.clientKey,
      attachments: draft.attachments.filter((a) => a.state === "ready").map(({ name, type, size, url }) => ({ name, type, size, url })),
      savedAt: this.now(),
    };
    try {
      this.storage?.setItem(this.key(id), JSON.stringify(kept));
    } catch { /* full or refused: the draft still lives in the page */ }
  }

  remove(id) {
    try { this.storage?.removeItem(this.key(id)); } catch { /* refused */ }
  }

  // Forget this operator's drafts older than the limit.
  prune() {
    if (!this.storage) return;
    const keys = [];
    for (let i = 0; i < this.storage.length; i += 1) {
      const key = this.storage.key(i);
      if (key && key.startsWith(this.prefix)) keys.push(key);
    }
    for (const key of keys) this.load(key.slice(this.prefix.length));
  }

  read(key) {
    try {
      return this.storage ? this.storage.getItem(key) : null;
    } catch {
      return null;
    }
  }
}
