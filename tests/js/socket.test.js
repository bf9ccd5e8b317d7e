// DeskSocket (static/desk/js/socket.js): the cursor it resumes from, its backoff, pings both
// ways, a silent socket treated as dead, and the closes that must not reconnect. The server is
// played through a fake WebSocket; time through node:test's mock timers.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { FakeWebSocket, installWindow } from "./support/browser.js";

const page = installWindow();
globalThis.WebSocket = FakeWebSocket;
const { DeskSocket } = await import("../../static/desk/js/socket.js");

const HEARTBEAT_SECONDS = 40;
const PING_MS = HEARTBEAT_SECONDS * 1000;
const DEAD_MS = PING_MS * 2 + 5000;

let sockets;

// A DeskSocket with recording handlers: .events (frames passed on), .states ([state, delay]),
// .ready (cursors), .reloads, .forbidden.
function deskSocket(options = {}) {
  const seen = { events: [], states: [], ready: [], reloads: 0, forbidden: 0 };
  const socket = new DeskSocket({
    path: "/ws/desk/",
    heartbeatSeconds: HEARTBEAT_SECONDS,
    onEvent: (frame) => seen.events.push(frame),
    onReady: (cursor) => seen.ready.push(cursor),
    onReload: () => { seen.reloads += 1; },
    onState: (state, delay) => seen.states.push([state, delay]),
    onForbidden: () => { seen.forbidden += 1; },
    ...options,
  });
  sockets.push(socket);
  return { socket, seen };
}

function live(socket, cursor) {
  socket.start(cursor);
  const ws = FakeWebSocket.last;
  ws.accept();
  ws.frame({ type: "desk.ready", cursor });
  return ws;
}

const event = (cursor, id = cursor) => ({ type: "desk.message_created", cursor, data: { message: { id } } });

beforeEach(() => {
  sockets = [];
  FakeWebSocket.reset();
  page.document.visibilityState = "visible";
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
});

afterEach(() => {
  for (const socket of sockets) socket.stop();
  mock.timers.reset();
  mock.restoreAll();
});

describe("the cursor", () => {
  test("the first connection asks for what came after the session's cursor", () => {
    const { socket, seen } = deskSocket();
    socket.start(41);
    assert.equal(FakeWebSocket.last.url, "ws://desk.test/ws/desk/?cursor=41");
    assert.deepEqual(seen.states, [["connecting", null]]);
  });

  test("without a cursor the connection asks for none", () => {
    const { socket } = deskSocket();
    socket.start(null);
    assert.equal(FakeWebSocket.last.url, "ws://desk.test/ws/desk/");
  });

  test("a page served over https opens wss", () => {
    page.window.location.protocol = "https:";
    try {
      deskSocket().socket.start(1);
      assert.equal(FakeWebSocket.last.url, "wss://desk.test/ws/desk/?cursor=1");
    } finally {
      page.window.location.protocol = "http:";
    }
  });

  test("events are passed on once each, in cursor order; a replayed or older one is dropped", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 10);
    ws.frame(event(11));
    ws.frame(event(12));
    ws.frame(event(12)); // the same event again
    ws.frame(event(9)); // from before the resume point
    ws.frame(event(14)); // a gap: 13 was not this operator's to see
    assert.deepEqual(seen.events.map((f) => f.cursor), [11, 12, 14]);
    assert.equal(socket.cursor, 14);
  });

  test("a frame without a numeric cursor, or not JSON at all, is ignored", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 10);
    ws.frame({ type: "desk.message_created", cursor: "11", data: {} });
    ws.frame({ type: "desk.message_created", data: {} });
    ws.frame("{not json");
    assert.deepEqual(seen.events, []);
    assert.equal(socket.cursor, 10);
  });

  test("a reconnect resumes from the last event applied, and the replay is not applied twice", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 10);
    ws.frame(event(11));
    ws.frame(event(12));
    ws.drop();
    mock.timers.tick(15000 * 1.25);
    const again = FakeWebSocket.last;
    assert.notEqual(again, ws);
    assert.equal(again.url, "ws://desk.test/ws/desk/?cursor=12");
    again.accept();
    again.frame(event(12)); // the server replays from its side of the race
    again.frame(event(13));
    again.frame({ type: "desk.ready", cursor: 13 });
    assert.deepEqual(seen.events.map((f) => f.cursor), [11, 12, 13]);
    assert.deepEqual(seen.ready, [10, 13]);
    assert.deepEqual(seen.states.at(-1), ["live", null]);
  });

  test("the handler sees an event before the cursor moves past it", () => {
    // If applying the event throws, the cursor stays before it, and a resume brings it again.
    const { socket } = deskSocket({
      onEvent: () => {
        throw new Error("the page failed to apply it");
      },
    });
    const ws = live(socket, 10);
    assert.throws(() => ws.frame(event(11)), /failed to apply/);
    assert.equal(socket.cursor, 10);
  });

  test("ready and pings move the cursor forward, never back", () => {
    const { socket } = deskSocket();
    const ws = live(socket, 10);
    ws.frame({ type: "desk.ping", cursor: 15 });
    assert.equal(socket.cursor, 15);
    ws.frame({ type: "desk.pong", cursor: 17 });
    assert.equal(socket.cursor, 17);
    ws.frame({ type: "desk.pong", cursor: 12 });
    ws.frame({ type: "desk.ready", cursor: 3 });
    ws.frame({ type: "desk.ping" });
    assert.equal(socket.cursor, 17);
    ws.frame(event(16)); // came before the ping said 17: applied already
    ws.frame(event(18));
    assert.equal(socket.cursor, 18);
  });
});

describe("backoff", () => {
  test("each failed attempt waits twice as long, from 0.5 s up to 15 s", () => {
    mock.method(Math, "random", () => 0.5); // no jitter
    const { socket, seen } = deskSocket();
    socket.start(1);
    const delays = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const before = FakeWebSocket.opened.length;
      FakeWebSocket.last.drop();
      const [state, delay] = seen.states.at(-1);
      assert.equal(state, "reconnecting");
      delays.push(delay);
      mock.timers.tick(delay - 1);
      assert.equal(FakeWebSocket.opened.length, before, "reconnected before its delay");
      mock.timers.tick(1);
      assert.equal(FakeWebSocket.opened.length, before + 1, "did not reconnect after its delay");
      assert.deepEqual(seen.states.at(-1), ["reconnecting", null]);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  test("the delay is jittered by up to a quarter either way", () => {
    const { socket, seen } = deskSocket();
    socket.start(1);
    mock.method(Math, "random", () => 0);
    FakeWebSocket.last.drop();
    assert.equal(seen.states.at(-1)[1], 375);
    mock.timers.tick(375);
    mock.method(Math, "random", () => 0.999999);
    FakeWebSocket.last.drop();
    assert.equal(seen.states.at(-1)[1], 1250);
  });

  test("a connection that got as far as ready starts the backoff over", () => {
    mock.method(Math, "random", () => 0.5);
    const { socket, seen } = deskSocket();
    socket.start(1);
    for (const delay of [500, 1000, 2000]) {
      FakeWebSocket.last.drop();
      mock.timers.tick(delay);
    }
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.frame({ type: "desk.ready", cursor: 1 });
    ws.drop();
    assert.deepEqual(seen.states.at(-1), ["reconnecting", 500]);
  });

  test("a connection the browser refuses to make is retried with backoff", () => {
    mock.method(Math, "random", () => 0.5);
    FakeWebSocket.refuse = true;
    const { socket, seen } = deskSocket();
    socket.start(1);
    assert.deepEqual(seen.states.at(-1), ["reconnecting", 500]);
    FakeWebSocket.refuse = false;
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.opened.length, 1);
  });

  test("coming back online, or to the tab, reconnects at once instead of waiting", () => {
    mock.method(Math, "random", () => 0.5);
    const { socket } = deskSocket();
    socket.start(1);
    for (const delay of [500, 1000, 2000, 4000]) {
      FakeWebSocket.last.drop();
      mock.timers.tick(delay);
    }
    FakeWebSocket.last.drop(); // the next try is 8 s away
    page.window.dispatchEvent(new Event("online"));
    mock.timers.tick(0);
    assert.equal(FakeWebSocket.opened.length, 6);
    FakeWebSocket.last.drop();
    page.document.visibilityState = "hidden";
    page.document.dispatchEvent(new Event("visibilitychange"));
    mock.timers.tick(0);
    assert.equal(FakeWebSocket.opened.length, 6, "a hidden tab waits for its backoff");
    page.document.visibilityState = "visible";
    page.document.dispatchEvent(new Event("visibilitychange"));
    mock.timers.tick(0);
    assert.equal(FakeWebSocket.opened.length, 7);
  });

  test("a tab coming back while its socket is open does not open another", () => {
    const { socket } = deskSocket();
    live(socket, 1);
    page.document.dispatchEvent(new Event("visibilitychange"));
    page.window.dispatchEvent(new Event("online"));
    mock.timers.tick(0);
    assert.equal(FakeWebSocket.opened.length, 1);
  });
});

describe("heartbeat", () => {
  test("the page pings once per heartbeat interval while the socket is open", () => {
    const { socket } = deskSocket();
    const ws = live(socket, 1);
    mock.timers.tick(PING_MS - 1);
    assert.deepEqual(ws.sent, []);
    mock.timers.tick(1);
    assert.deepEqual(ws.sent, [{ type: "desk.ping" }]);
    ws.frame({ type: "desk.pong", cursor: 1 });
    mock.timers.tick(PING_MS);
    assert.deepEqual(ws.sent, [{ type: "desk.ping" }, { type: "desk.ping" }]);
  });

  test("the interval is never under 2 s, whatever the session says", () => {
    const { socket } = deskSocket({ heartbeatSeconds: 0 });
    const ws = live(socket, 1);
    mock.timers.tick(1999);
    assert.equal(ws.sent.length, 0);
    mock.timers.tick(1);
    assert.equal(ws.sent.length, 1);
  });

  test("the server's ping is answered with a pong", () => {
    const { socket } = deskSocket();
    const ws = live(socket, 1);
    ws.frame({ type: "desk.ping", cursor: 1 });
    assert.deepEqual(ws.sent, [{ type: "desk.pong" }]);
  });

  test("a socket silent for two intervals and 5 s is closed and reopened from the cursor", () => {
    mock.method(Math, "random", () => 0.5);
    const { socket, seen } = deskSocket();
    const ws = live(socket, 7);
    ws.frame(event(8));
    mock.timers.tick(DEAD_MS - 1);
    assert.equal(ws.closedWith, null);
    mock.timers.tick(1);
    assert.equal(ws.closedWith, 4000);
    assert.equal(ws.onclose, null, "the dead socket's late close event must not count again");
    assert.deepEqual(seen.states.at(-1), ["reconnecting", 500]);
    mock.timers.tick(500);
    assert.equal(FakeWebSocket.opened.length, 2);
    assert.equal(FakeWebSocket.last.url, "ws://desk.test/ws/desk/?cursor=8");
  });

  test("any frame, a pong or not JSON, proves the socket alive", () => {
    const { socket } = deskSocket();
    const ws = live(socket, 1);
    for (const frame of [{ type: "desk.pong", cursor: 1 }, "{not json", event(2)]) {
      mock.timers.tick(DEAD_MS - 1);
      ws.frame(frame);
    }
    mock.timers.tick(DEAD_MS - 1);
    assert.equal(ws.closedWith, null);
    assert.equal(FakeWebSocket.opened.length, 1);
  });
});

describe("closes that do not reconnect", () => {
  test("the server's 4403 (signed out) goes offline and says so, once", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 1);
    ws.drop(4403);
    mock.timers.tick(60000);
    assert.equal(FakeWebSocket.opened.length, 1);
    assert.equal(seen.forbidden, 1);
    assert.deepEqual(seen.states.at(-1), ["offline", null]);
    mock.timers.tick(DEAD_MS);
    assert.equal(ws.sent.length, 0, "no pings on a closed socket");
  });

  test("desk.reload stops the socket and hands over to the page", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 1);
    ws.frame({ type: "desk.reload" });
    assert.equal(seen.reloads, 1);
    assert.equal(ws.closedWith, 1000);
    assert.deepEqual(seen.states.at(-1), ["reconnecting", null]);
    page.window.dispatchEvent(new Event("online"));
    mock.timers.tick(60000);
    assert.equal(FakeWebSocket.opened.length, 1);
    socket.start(50); // the page's boot again, from a fresh session cursor
    assert.equal(FakeWebSocket.last.url, "ws://desk.test/ws/desk/?cursor=50");
  });

  test("stop closes cleanly and nothing wakes it up", () => {
    const { socket, seen } = deskSocket();
    const ws = live(socket, 1);
    const statesBefore = seen.states.length;
    socket.stop();
    assert.equal(ws.closedWith, 1000);
    assert.equal(socket.isOpen(), false);
    page.window.dispatchEvent(new Event("online"));
    mock.timers.tick(DEAD_MS * 2);
    assert.equal(FakeWebSocket.opened.length, 1);
    assert.equal(ws.sent.length, 0);
    assert.equal(seen.states.length, statesBefore);
  });

  test("a close event from a socket already replaced is ignored", () => {
    mock.method(Math, "random", () => 0.5);
    const { socket, seen } = deskSocket();
    const first = live(socket, 1);
    const onclose = first.onclose;
    first.drop();
    mock.timers.tick(500);
    const second = FakeWebSocket.last;
    second.accept();
    const statesBefore = seen.states.length;
    onclose({ code: 1006 }); // the old socket's close, arriving late
    assert.equal(seen.states.length, statesBefore);
    assert.equal(socket.isOpen(), true);
  });
});
