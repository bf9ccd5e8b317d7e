// route.js: the open conversation and the tab in the address, every other query parameter kept.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { parseRoute, routeUrl, tabFor } from "../../static/desk/js/route.js";

describe("parseRoute", () => {
  test("the conversation from /c/<id> and the tab from ?tab=", () => {
    assert.deepEqual(parseRoute({ pathname: "/c/42", search: "?q=anna&tab=mine" }), { conversationId: 42, tab: "mine" });
    assert.deepEqual(parseRoute({ pathname: "/c/42/" }), { conversationId: 42, tab: null });
  });

  test("the desk's own root: nothing open, the default tab", () => {
    assert.deepEqual(parseRoute({ pathname: "/", search: "" }), { conversationId: null, tab: null });
  });

  test("an unknown tab or a path that is not a conversation is ignored", () => {
    assert.deepEqual(parseRoute({ pathname: "/c/abc", search: "?tab=everything" }), { conversationId: null, tab: null });
    assert.deepEqual(parseRoute({ pathname: "/c/42/extra" }), { conversationId: null, tab: null });
  });

  test("an old #conversation-<id> link still opens the conversation; the path wins over it", () => {
    assert.equal(parseRoute({ pathname: "/", hash: "#conversation-7" }).conversationId, 7);
    assert.equal(parseRoute({ pathname: "/c/8", hash: "#conversation-7" }).conversationId, 8);
  });

  test("under a prefix (the desk mounted elsewhere)", () => {
    assert.equal(parseRoute({ pathname: "/desk/c/5" }, "/desk/").conversationId, 5);
    assert.equal(parseRoute({ pathname: "/c/5" }, "/desk/").conversationId, null);
  });
});

describe("routeUrl", () => {
  test("writes the conversation and the tab; Queue, the default, is left out", () => {
    assert.equal(routeUrl({ conversationId: 42, tab: "mine" }), "/c/42?tab=mine");
    assert.equal(routeUrl({ conversationId: 42, tab: "queued" }), "/c/42");
    assert.equal(routeUrl({ conversationId: null, tab: "ended" }), "/?tab=ended");
    assert.equal(routeUrl({}), "/");
  });

  test("keeps the query parameters it does not own, and replaces its own", () => {
    const search = "?q=%D0%90%D0%BD%D0%BD%D0%B0&tab=open&channel=telegram&sort=waiting";
    const url = routeUrl({ conversationId: 9, tab: "mine" }, { search });
    const [path, query] = url.split("?");
    assert.equal(path, "/c/9");
    const params = new URLSearchParams(query);
    assert.equal(params.get("q"), "Анна");
    assert.equal(params.get("channel"), "telegram");
    assert.equal(params.get("sort"), "waiting");
    assert.deepEqual(params.getAll("tab"), ["mine"]);
    assert.equal(routeUrl({ conversationId: null, tab: "queued" }, { search }), "/?q=%D0%90%D0%BD%D0%BD%D0%B0&channel=telegram&sort=waiting");
  });

  test("round-trips through parseRoute", () => {
    for (const route of [{ conversationId: 3, tab: "ended" }, { conversationId: null, tab: "mine" }, { conversationId: 12, tab: null }]) {
      const [pathname, query = ""] = routeUrl(route, { base: "/desk/" }).split("?");
      assert.deepEqual(parseRoute({ pathname, search: query && `?${query}` }, "/desk/"), route);
    }
  });
});

describe("tabFor", () => {
  const me = { id: 1 };
  test("the tab a conversation belongs in, for me", () => {
    assert.equal(tabFor({ state: "queued" }, me), "queued");
    assert.equal(tabFor({ state: "assigned", assignee: { id: 1 } }, me), "mine");
    assert.equal(tabFor({ state: "assigned", assignee: { id: 2 } }, me), "open");
    assert.equal(tabFor({ state: "expired", assignee: { id: 1 } }, me), "ended");
    assert.equal(tabFor({ state: "closed" }, me), "ended");
    assert.equal(tabFor(undefined, me), "queued");
  });
});
