// DraftStore (static/desk/js/drafts.js): one draft per operator and conversation, what survives
// a reload (text, note, mode, uploaded attachments, clientKey), and what is never kept.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DraftStore, emptyDraft, isEmpty } from "../../static/desk/js/drafts.js";

class MemoryStorage {
  constructor() { this.items = new Map(); }
  get length() { return this.items.size; }
  key(i) { return [...this.items.keys()][i] ?? null; }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) { this.items.set(k, String(v)); }
  removeItem(k) { this.items.delete(k); }
}

const draft = (fields) => ({ ...emptyDraft("key-1"), ...fields });

describe("DraftStore", () => {
  test("keeps text, note, mode, the clientKey and only uploaded attachments", () => {
    const storage = new MemoryStorage();
    const store = new DraftStore(storage, 7);
    store.save(42, draft({
      text: "Hello", note: "VIP", mode: "note",
      attachments: [
        { name: "a.png", type: "image/png", size: 10, url: "http://x/a.png", state: "ready" },
        { name: "b.png", type: "image/png", size: 10, url: null, state: "uploading" },
      ],
    }));
    const back = new DraftStore(storage, 7).load(42);
    assert.deepEqual(back, {
      text: "Hello", note: "VIP", mode: "note", clientKey: "key-1",
      attachments: [{ name: "a.png", type: "image/png", size: 10, url: "http://x/a.png", state: "ready" }],
    });
  });

  test("per operator and per conversation", () => {
    const storage = new MemoryStorage();
    new DraftStore(storage, 7).save(42, draft({ text: "mine" }));
    assert.equal(new DraftStore(storage, 8).load(42), null);
    assert.equal(new DraftStore(storage, 7).load(43), null);
  });

  test("an empty draft (sent or discarded) is removed", () => {
    const storage = new MemoryStorage();
    const store = new DraftStore(storage, 7);
    store.save(42, draft({ text: "Hello" }));
    store.save(42, draft({ text: "   " }));
    assert.equal(storage.length, 0);
    assert.equal(isEmpty(draft({ attachments: [{ state: "failed" }] })), true);
  });

  test("old and broken drafts are dropped", () => {
    const storage = new MemoryStorage();
    let now = 1_000_000;
    const store = new DraftStore(storage, 7, { now: () => now, maxAgeMs: 1000 });
    store.save(1, draft({ text: "old" }));
    storage.setItem("desk.draft.7.2", "{not json");
    storage.setItem("desk.draft.8.3", JSON.stringify({ text: "someone else's", savedAt: 0 }));
    now += 2000;
    store.prune();
    assert.deepEqual([...storage.items.keys()], ["desk.draft.8.3"]);
  });

  test("a browser that refuses storage loses nothing in the page and throws nothing", () => {
    const refusing = { length: 0, getItem() { throw new Error("denied"); }, setItem() { throw new Error("quota"); }, removeItem() { throw new Error("denied"); } };
    const store = new DraftStore(refusing, 7);
    store.save(1, draft({ text: "x" }));
    assert.equal(store.load(1), null);
    new DraftStore(null, 7).save(1, draft({ text: "x" }));
  });
});
