// Arrivals (static/desk/js/arrivals.js): what the one "new conversation waiting" toast says. A
// burst is counted, in the reader's plural forms; a conversation that leaves the queue is taken
// out; the same one twice counts once; "Open" goes to the one that has waited longest.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { Arrivals } from "../../static/desk/js/arrivals.js";

const waiting = (id, name = `Contact ${id}`) => ({ id, state: "queued", contact: { name } });

// Russian has three plural forms (one, few, many): the catalogue Django serves picks by this rule.
function russianCatalogue() {
  const forms = [
    "%(n)s новый диалог в очереди",
    "%(n)s новых диалога в очереди",
    "%(n)s новых диалогов в очереди",
  ];
  globalThis.ngettext = (singular, plural, n) => {
    assert.equal(plural, "%(n)s new conversations waiting");
    const form = n % 10 === 1 && n % 100 !== 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1 : 2;
    return forms[form];
  };
}

describe("Arrivals", () => {
  afterEach(() => { delete globalThis.ngettext; });

  test("one arrival names the contact and what they wrote", () => {
    const arrivals = new Arrivals();
    arrivals.add(waiting(1, "Olga"), "Where is my order?");
    assert.equal(arrivals.label(), "New conversation waiting: Olga — Where is my order?");
  });

  test("a burst is one count", () => {
    const arrivals = new Arrivals();
    for (let id = 1; id <= 5; id += 1) arrivals.add(waiting(id));
    assert.equal(arrivals.size, 5);
    assert.equal(arrivals.label(), "5 new conversations waiting");
  });

  test("the same conversation twice counts once", () => {
    const arrivals = new Arrivals();
    assert.equal(arrivals.add(waiting(1)), true);
    assert.equal(arrivals.add(waiting(1)), false);
    arrivals.add(waiting(2));
    assert.equal(arrivals.label(), "2 new conversations waiting");
  });

  test("one taken lowers the count; down to one, it is named again; none left, nothing to say", () => {
    const arrivals = new Arrivals();
    for (let id = 1; id <= 3; id += 1) arrivals.add(waiting(id));
    assert.equal(arrivals.remove(2), true);
    assert.equal(arrivals.remove(2), false); // a second claim event changes nothing
    assert.equal(arrivals.remove(99), false); // never announced here
    assert.equal(arrivals.label(), "2 new conversations waiting");
    arrivals.remove(1);
    assert.equal(arrivals.label(), "New conversation waiting: Contact 3");
    arrivals.remove(3);
    assert.equal(arrivals.size, 0);
    assert.equal(arrivals.label(), "");
    assert.equal(arrivals.first(), null);
  });

  test("Open goes to the one that has waited longest among those still waiting", () => {
    const arrivals = new Arrivals();
    for (const id of [7, 3, 9]) arrivals.add(waiting(id));
    assert.equal(arrivals.first().id, 7);
    arrivals.remove(7);
    assert.equal(arrivals.first().id, 3);
  });

  test("waited longest is by when the desk queued it, not by when its event came", () => {
    const arrivals = new Arrivals();
    const at = (id, queuedAt) => ({ ...waiting(id), queuedAt });
    arrivals.add(at(2, "2026-12-04T10:00:02.500Z"));
    arrivals.add(at(1, "2026-12-04T10:00:01.900Z"));
    arrivals.add(at(3, "2026-12-04T10:00:03.000Z"));
    assert.equal(arrivals.first().id, 1);
    arrivals.remove(1);
    assert.equal(arrivals.first().id, 2);
    arrivals.add(waiting(4)); // no time known: never ahead of one that has it
    assert.equal(arrivals.first().id, 2);
  });

  test("Russian plural forms come from the catalogue with the count", () => {
    russianCatalogue();
    const arrivals = new Arrivals();
    const said = {};
    for (let id = 1; id <= 22; id += 1) {
      arrivals.add(waiting(id));
      said[id] = arrivals.label();
    }
    assert.equal(said[2], "2 новых диалога в очереди");
    assert.equal(said[5], "5 новых диалогов в очереди");
    assert.equal(said[11], "11 новых диалогов в очереди");
    assert.equal(said[21], "21 новый диалог в очереди");
    assert.equal(said[22], "22 новых диалога в очереди");
  });

  test("a conversation without an id is not counted", () => {
    const arrivals = new Arrivals();
    assert.equal(arrivals.add({ id: null }), false);
    assert.equal(arrivals.add(undefined), false);
    assert.equal(arrivals.size, 0);
  });
});
