// time.js (static/desk/js/time.js): the messaging window's countdown, "waiting since", and the
// clock shown on messages. Countdowns and ages are differences between instants, so the
// operator's time zone must not change them; the clock shows the operator's own local time.
import assert from "node:assert/strict";
import { afterEach, describe, mock, test } from "node:test";

import { installWindow } from "./support/browser.js";

const { document } = installWindow({ lang: "en" });
const { URGENT_SECONDS, clock, countdown, elapsed, fullDate, parse, secondsUntil, timeZone } =
  await import("../../static/desk/js/time.js");

const NOW = Date.parse("2024-03-10T21:30:00Z");
const ZONES = ["UTC", "Europe/Moscow", "Asia/Vladivostok", "America/Los_Angeles", "Asia/Kolkata"];

// Node reads TZ again whenever it changes: each zone in the same process.
function inZone(zone, fn) {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

afterEach(() => {
  delete globalThis.gettext;
  document.documentElement.lang = "en";
  document.documentElement.dataset = {};
  mock.timers.reset();
});

describe("secondsUntil", () => {
  test("whole seconds from now to the moment, negative once it has passed", () => {
    assert.equal(secondsUntil("2024-03-10T21:35:00Z", NOW), 300);
    assert.equal(secondsUntil("2024-03-10T21:30:00.999Z", NOW), 0);
    assert.equal(secondsUntil("2024-03-10T21:29:59Z", NOW), -1);
    assert.equal(secondsUntil("2024-03-10T21:29:59.5Z", NOW), -1, "rounds down, not toward zero");
  });

  test("no moment, no countdown", () => {
    assert.equal(secondsUntil(null, NOW), null);
    assert.equal(secondsUntil("", NOW), null);
    assert.equal(parse(undefined), null);
  });

  test("the server's offset is honoured and the operator's zone does not matter", () => {
    const results = ZONES.map((zone) => inZone(zone, () => [
      secondsUntil("2024-03-11T00:35:00+03:00", NOW),
      secondsUntil("2024-03-10T21:35:00Z", NOW),
      secondsUntil("2024-03-11T06:35:00+09:00", NOW),
    ]));
    for (const result of results) assert.deepEqual(result, [300, 300, 300]);
  });

  test("uses the current time when not told", () => {
    mock.timers.enable({ apis: ["Date"], now: NOW });
    assert.equal(secondsUntil("2024-03-10T21:31:00Z"), 60);
    mock.timers.tick(61_000);
    assert.equal(secondsUntil("2024-03-10T21:31:00Z"), -1);
  });
});

describe("countdown", () => {
  test("minutes and seconds under an hour", () => {
    assert.equal(countdown(0), "0:00");
    assert.equal(countdown(9), "0:09");
    assert.equal(countdown(65), "1:05");
    assert.equal(countdown(URGENT_SECONDS), "5:00");
    assert.equal(countdown(3599), "59:59");
  });

  test("hours and minutes from an hour on", () => {
    assert.equal(countdown(3600), "1 h 0 min");
    assert.equal(countdown(4800 + 59), "1 h 20 min");
    assert.equal(countdown(24 * 3600), "24 h 0 min");
  });

  test("a window already closed counts as zero; no window, no text", () => {
    assert.equal(countdown(-30), "0:00");
    assert.equal(countdown(null), "");
  });

  test("the hour form is translated, with its numbers put in", () => {
    globalThis.gettext = (text) => ({ "%(h)s h %(m)s min": "%(h)s ч %(m)s мин" })[text] ?? text;
    assert.equal(countdown(4800), "1 ч 20 мин");
  });
});

describe("elapsed", () => {
  test("just now, minutes, hours, then days", () => {
    const ago = (seconds) => elapsed(new Date(NOW - seconds * 1000).toISOString(), NOW);
    assert.equal(ago(0), "just now");
    assert.equal(ago(59), "just now");
    assert.equal(ago(60), "1 min");
    assert.equal(ago(3599), "59 min");
    assert.equal(ago(3600), "1 h");
    assert.equal(ago(86399), "23 h");
    assert.equal(ago(86400), "1 d");
    assert.equal(ago(40 * 86400), "40 d");
  });

  test("a moment ahead of the page's clock (a fast server) is just now", () => {
    assert.equal(elapsed("2024-03-10T21:32:00Z", NOW), "just now");
  });

  test("no moment, no text", () => {
    assert.equal(elapsed(null, NOW), "");
  });

  test("the same in every zone, across midnight and a daylight-saving change", () => {
    // 2024-03-10 is the day Los Angeles moves its clocks forward (at 10:00 UTC).
    const since = "2024-03-10T05:30:00Z";
    for (const zone of ZONES) assert.equal(inZone(zone, () => elapsed(since, NOW)), "16 h", zone);
  });

  test("translated", () => {
    globalThis.gettext = (text) => ({ "%(n)s min": "%(n)s мин", "just now": "только что" })[text] ?? text;
    assert.equal(elapsed("2024-03-10T21:27:00Z", NOW), "3 мин");
    assert.equal(elapsed("2024-03-10T21:30:00Z", NOW), "только что");
  });
});

describe("clock", () => {
  test("today shows the time in the operator's zone; another day adds the date", () => {
    mock.timers.enable({ apis: ["Date"], now: NOW }); // 00:30 on 11 March in Moscow
    document.documentElement.lang = "ru";
    const earlier = "2024-03-10T21:05:00Z"; // 00:05 on 11 March in Moscow
    const yesterday = "2024-03-10T20:50:00Z"; // 23:50 on 10 March in Moscow, but today in UTC
    inZone("Europe/Moscow", () => {
      assert.equal(clock(earlier), "00:05");
      assert.match(clock(yesterday), /^10 мар\.?,? 23:50$/);
    });
    inZone("UTC", () => {
      assert.equal(clock(yesterday), "20:50");
    });
  });

  test("in the page's language", () => {
    mock.timers.enable({ apis: ["Date"], now: NOW });
    inZone("UTC", () => {
      document.documentElement.lang = "en";
      assert.match(clock("2024-03-01T20:50:00Z"), /^Mar 1, 0?8:50\sPM$/);
      document.documentElement.lang = "ru";
      assert.match(clock("2024-03-01T20:50:00Z"), /^1 мар\.?,? 20:50$/);
    });
  });

  test("no moment, no text", () => {
    assert.equal(clock(null), "");
    assert.equal(fullDate(""), "");
  });
});

describe("fullDate", () => {
  test("date and time in the operator's zone and the page's language", () => {
    document.documentElement.lang = "ru";
    inZone("Asia/Vladivostok", () => {
      assert.match(fullDate("2024-03-10T21:30:00Z"), /^11 мар\.? 2024 г\.,? 07:30$/);
    });
  });
});

describe("the operator's time zone (<html data-time-zone>)", () => {
  const inOperatorZone = (zone) => {
    document.documentElement.dataset = { timeZone: zone };
  };

  test("the page's zone, whatever the browser's", () => {
    inOperatorZone("Asia/Vladivostok");
    assert.equal(timeZone(), "Asia/Vladivostok");
    document.documentElement.lang = "ru";
    for (const browserZone of ["UTC", "America/Los_Angeles"]) {
      inZone(browserZone, () => {
        assert.match(fullDate("2024-03-10T21:30:00Z"), /^11 мар\.? 2024 г\.,? 07:30$/, browserZone);
      });
    }
  });

  test("today is today in the operator's zone, not the browser's", () => {
    mock.timers.enable({ apis: ["Date"], now: NOW }); // 00:30 on 11 March in Moscow, 21:30 on 10 March in UTC
    document.documentElement.lang = "ru";
    inOperatorZone("Europe/Moscow");
    inZone("UTC", () => {
      assert.equal(clock("2024-03-10T21:05:00Z"), "00:05"); // today in Moscow
      assert.match(clock("2024-03-10T20:50:00Z"), /^10 мар\.?,? 23:50$/); // yesterday there
    });
    inOperatorZone("UTC");
    inZone("Europe/Moscow", () => {
      assert.equal(clock("2024-03-10T20:50:00Z"), "20:50");
    });
  });

  test("no zone, or one the browser does not know: the browser's own", () => {
    document.documentElement.lang = "ru";
    inOperatorZone("Mars/Olympus");
    assert.equal(timeZone(), undefined);
    inZone("Asia/Kolkata", () => {
      assert.match(fullDate("2024-03-10T21:30:00Z"), /^11 мар\.? 2024 г\.,? 03:00$/);
    });
    document.documentElement.dataset = {};
    assert.equal(timeZone(), undefined);
  });
});
