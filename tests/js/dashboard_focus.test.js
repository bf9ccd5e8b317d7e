// The dashboard's focus keeping (static/reports/focus.js): a redraw of the conversation tables
// puts the focus back on the equivalent new control, without scrolling, and never takes it when
// it was elsewhere. Plain objects stand for the elements (the helper reads only what they carry).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { installWindow } from "./support/browser.js";

const { document } = installWindow();
document.body = { tagName: "BODY", dataset: {} };
document.activeElement = document.body;
const { choosing, focusKey, rememberFocus, restoreFocus } = await import("../../static/reports/focus.js");

function control(tagName, id, action) {
  return {
    tagName,
    dataset: action ? { id: String(id), action } : { id: String(id) },
    disabled: false,
    focused: null,
    focus(options) {
      this.focused = options;
      document.activeElement = this;
    },
  };
}

// One row's controls per conversation: "Take over" (unless it is mine) and the reassign select.
function table(rows) {
  const nodes = rows.flatMap(({ id, mine }) => [
    ...(mine ? [] : [control("BUTTON", id, "take-over")]),
    control("SELECT", id),
  ]);
  return { nodes, contains: (node) => nodes.includes(node), querySelectorAll: () => nodes };
}

describe("focus across a redraw", () => {
  test("the keys name the action and the conversation", () => {
    assert.equal(focusKey(control("BUTTON", 12, "take-over")), "take-over:12");
    assert.equal(focusKey(control("SELECT", 12)), "reassign:12");
    assert.equal(focusKey({ tagName: "BODY", dataset: {} }), null);
    assert.equal(focusKey(null), null);
  });

  test("the same control in the new rows gets the focus, without scrolling", () => {
    const before = [table([{ id: 1 }, { id: 2 }]), table([{ id: 3 }])];
    const active = before[0].nodes[3]; // the select of conversation 2
    const place = rememberFocus(before, active);
    assert.deepEqual(place, { table: 0, key: "reassign:2", position: 3 });
    const after = [table([{ id: 7 }, { id: 1 }, { id: 2 }]), table([{ id: 3 }])];
    const target = restoreFocus(after, place, document.body);
    assert.equal(target, after[0].nodes[5]);
    assert.deepEqual(target.focused, { preventScroll: true });
    assert.equal(document.activeElement, target);
  });

  test("the same conversation in both tables: the table it was in keeps it", () => {
    const before = [table([{ id: 5 }]), table([{ id: 5 }])];
    const place = rememberFocus(before, before[1].nodes[0]);
    const after = [table([{ id: 5 }]), table([{ id: 5 }])];
    assert.equal(restoreFocus(after, place, null), after[1].nodes[0]);
  });

  test("after one's own take-over the button is gone: the row's select gets the focus", () => {
    const before = [table([{ id: 1 }, { id: 2 }])];
    const place = rememberFocus(before, before[0].nodes[2]);
    const after = [table([{ id: 1 }, { id: 2, mine: true }])];
    assert.equal(restoreFocus(after, place, null), after[0].nodes[2]);
    assert.equal(after[0].nodes[2].dataset.id, "2");
  });

  test("a row that left its table: the control now at its place", () => {
    const before = [table([{ id: 1 }, { id: 2 }, { id: 3 }])];
    const place = rememberFocus(before, before[0].nodes[2]); // take over 2
    const after = [table([{ id: 1 }, { id: 3 }])];
    assert.equal(restoreFocus(after, place, null), after[0].nodes[2]);
    const empty = [table([])];
    assert.equal(restoreFocus(empty, place, null), null);
  });

  test("focus elsewhere on the page is never taken", () => {
    const tables = [table([{ id: 1 }])];
    const search = control("INPUT", 9);
    assert.equal(rememberFocus(tables, search), null);
    assert.equal(rememberFocus(tables, document.body), null);
    assert.equal(restoreFocus(tables, null, search), null);
    assert.equal(tables[0].nodes[0].focused, null);
  });

  test("a reassign select in use holds off its table's redraw; a button does not", () => {
    const tables = [table([{ id: 1 }])];
    assert.equal(choosing(tables, tables[0].nodes[1]), true);
    assert.equal(choosing(tables, tables[0].nodes[0]), false);
    tables[0].nodes[1].disabled = true; // chosen: the transfer is on its way
    assert.equal(choosing(tables, tables[0].nodes[1]), false);
    assert.equal(choosing(tables, document.body), false);
  });
});
