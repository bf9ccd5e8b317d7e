// undoable (static/desk/js/undo.js): the close from the keyboard waits, and an undo means it is
// never run; "now" runs it at once, once.
import assert from "node:assert/strict";
import { beforeEach, describe, mock, test } from "node:test";

import { installWindow } from "./support/browser.js";

installWindow();
const { undoable } = await import("../../static/desk/js/undo.js");

describe("undoable", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));

  test("runs after the delay, not before", () => {
    const runs = [];
    const action = undoable(() => runs.push("close"), { delayMs: 5000 });
    mock.timers.tick(4999);
    assert.deepEqual(runs, []);
    assert.equal(action.pending, true);
    mock.timers.tick(1);
    assert.deepEqual(runs, ["close"]);
    assert.equal(action.pending, false);
    assert.equal(action.undo(), false); // too late: nothing to take back
    mock.timers.reset();
  });

  test("an undo before the time is up means it never runs", () => {
    const seen = [];
    const action = undoable(() => seen.push("close"), { delayMs: 5000, onUndo: () => seen.push("undone") });
    mock.timers.tick(3000);
    assert.equal(action.undo(), true);
    mock.timers.tick(60_000);
    assert.deepEqual(seen, ["undone"]);
    assert.equal(action.undo(), false);
    mock.timers.reset();
  });

  test("now runs it at once and only once", () => {
    const seen = [];
    const action = undoable(() => seen.push("close"), { delayMs: 5000, onDone: () => seen.push("done") });
    action.now();
    action.now();
    mock.timers.tick(10_000);
    assert.deepEqual(seen, ["done", "close"]);
    mock.timers.reset();
  });
});
