// The few browser globals the page's modules touch, without a DOM: a window that is an event
// target with a location and timers (delegating to the global ones, so node:test's mock.timers
// drives them), a document with a language and a visibility state, and a WebSocket whose server
// side the test plays.

import { setMaxListeners } from "node:events";

export function installWindow({ protocol = "http:", host = "desk.test", lang = "en", timeZone } = {}) {
  const window = new EventTarget();
  window.location = { protocol, host };
  for (const name of ["setTimeout", "clearTimeout", "setInterval", "clearInterval"]) {
    window[name] = (...args) => globalThis[name](...args);
  }
  const document = new EventTarget();
  document.visibilityState = "visible";
  // <html lang data-time-zone>: the page's language and the operator's zone.
  document.documentElement = { lang, dataset: timeZone ? { timeZone } : {} };
  // Every DeskSocket listens on both for good (a page has one); a test file makes dozens.
  setMaxListeners(0, window, document);
  globalThis.window = window;
  globalThis.document = document;
  return { window, document };
}

// One instance per connection the page opens; FakeWebSocket.opened lists them in order.
export class FakeWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static opened = [];
  static refuse = false; // the constructor throws, as a browser does for a URL it rejects

  constructor(url) {
    if (FakeWebSocket.refuse) throw new SyntaxError(`refused ${url}`);
    this.url = url;
    this.readyState = FakeWebSocket.CONNECTING;
    this.sent = [];
    this.closedWith = null;
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    FakeWebSocket.opened.push(this);
  }

  static reset() {
    FakeWebSocket.opened = [];
    FakeWebSocket.refuse = false;
  }

  static get last() {
    return FakeWebSocket.opened[FakeWebSocket.opened.length - 1];
  }

  // The page's side.
  send(data) {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000) {
    this.closedWith = code;
    this.readyState = FakeWebSocket.CLOSED;
  }

  // The server's side.
  accept() {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.({});
  }

  frame(data) {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) });
  }

  drop(code = 1006) {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code });
  }
}
