// operators.js (static/desk/js/operators.js): the transfer dialog's choice of operator.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { installWindow } from "./support/browser.js";

installWindow({ lang: "en" });
const { operatorChoices, operatorLabel } = await import("../../static/desk/js/operators.js");

const boris = (id, username, team, presence = "online") => ({
  id, name: "Boris Second", username, team, presence, capacity: 5, load: 1, role: "agent",
});

afterEach(() => {
  delete globalThis.gettext;
});

describe("operatorChoices", () => {
  test("two people with one name are told apart by their username", () => {
    const groups = operatorChoices([boris(1, "boris", "Sales"), boris(2, "boris.s", "Sales")], 9);
    const texts = groups.flatMap((g) => g.options.map((o) => o.text));
    assert.deepEqual(texts, [
      "Boris Second (boris) — online · 1/5",
      "Boris Second (boris.s) — online · 1/5",
    ]);
    assert.equal(new Set(texts).size, 2);
  });

  test("grouped by team, teams by name, those without one last; the holder left out", () => {
    const groups = operatorChoices(
      [
        { ...boris(1, "a", null), name: "Ann" },
        { ...boris(2, "b", "Support"), name: "Bob" },
        { ...boris(3, "c", "Billing", "away"), name: "Cid" },
        { ...boris(4, "d", "Support", "offline"), name: "Dan" },
        { ...boris(5, "e", "Support"), name: "Eve" },
      ],
      5,
    );
    assert.deepEqual(
      groups.map((g) => [g.team, g.options.map((o) => o.value)]),
      [
        ["Billing", ["3"]],
        ["Support", ["2", "4"]],
        ["No team", ["1"]],
      ],
    );
  });

  test("within a team the available come first", () => {
    const groups = operatorChoices(
      [boris(1, "x", "T", "offline"), boris(2, "y", "T", "away"), boris(3, "z", "T", "online")],
      null,
    );
    assert.deepEqual(groups[0].options.map((o) => o.value), ["3", "2", "1"]);
  });

  test("labels are translated", () => {
    globalThis.gettext = (text) =>
      ({ "%(name)s (%(username)s)": "%(name)s (%(username)s)", online: "в сети", "No team": "Без команды" })[text] ?? text;
    assert.equal(operatorLabel({ ...boris(1, "b", null), capacity: null }), "Boris Second (b) — в сети");
    assert.equal(operatorChoices([boris(1, "b", null)], null)[0].team, "Без команды");
  });
});
