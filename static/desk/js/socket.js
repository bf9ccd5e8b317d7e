// The desk's websocket, as docs/websocket.md describes it: open /ws/desk/?cursor=N from the last cursor
// applied; the server replays what came after it, says desk.ready and goes live. The page keeps
// the cursor, reconnects with backoff from it, pings once per heartbeat interval (so the server
// need not: one round trip per interval), answers the server's pings, and treats a silent
// socket as dead (a laptop waking up, a proxy that dropped it quietly).

const CLOSE_FORBIDDEN = 4403;

export class DeskSocket {
  constructor({ path, heartbeatSeconds = 40, onEvent, onReady, onReload, onState, onForbidden, onRoom }) {
    this.path = path;
    this.pingEvery = Math.max(2, heartbeatSeconds) * 1000;
    this.deadAfter = this.pingEvery * 2 + 5000;
    this.handlers = { onEvent, onReady, onReload, onState, onForbidden, onRoom };
    this.cursor = null;
    this.ws = null;
    this.attempt = 0;
    this.timers = {};
    this.stopped = true;
    window.addEventListener("online", () => this.reconnectSoon(0));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.isOpen()) this.reconnectSoon(0);
    });
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start(cursor) {
    this.cursor = cursor;
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onmessage = ws.onerror = null;
      ws.close(1000);
    }
  }

  open() {
    this.clearTimers();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = this.cursor === null ? "" : `?cursor=${encodeURIComponent(this.cursor)}`;
    this.setState(this.attempt ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(`${scheme}://${window.location.host}${this.path}${query}`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.heard();
      this.timers.ping = window.setInterval(() => this.send({ type: "desk.ping" }), this.pingEvery);
    };
    ws.onmessage = (message) => {
      this.heard();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (event.code === CLOSE_FORBIDDEN) {
        this.setState("offline");
        this.handlers.onForbidden?.();
        return;
      }
      if (!this.stopped) this.scheduleReconnect();
    };
    ws.onerror = () => {};
  }

  receive(frame) {
    switch (frame.type) {
      case "desk.ping":
        this.advance(frame.cursor);
        this.send({ type: "desk.pong" });
        return;
      case "desk.pong":
        this.advance(frame.cursor);
        return;
      case "desk.ready":
        this.advance(frame.cursor);
        this.attempt = 0;
        this.setState("live");
        this.handlers.onReady?.(this.cursor);
        return;
      case "desk.room.presence":
      case "desk.room.refused":
        this.handlers.onRoom?.(frame); // not events: no cursor
        return;
      case "desk.reload":
        this.stop();
        this.setState("reconnecting");
        this.handlers.onReload?.();
        return;
      default:
        if (typeof frame.cursor !== "number") return;
        if (this.cursor !== null && frame.cursor <= this.cursor) return; // applied already
        this.handlers.onEvent?.(frame);
        this.cursor = frame.cursor;
    }
  }

  // Pings and ready carry the socket's position: every event up to it that this operator may
  // see has been sent before, so a later resume can start there.
  advance(cursor) {
    if (typeof cursor === "number" && (this.cursor === null || cursor > this.cursor)) this.cursor = cursor;
  }

  send(frame) {
    if (this.isOpen()) this.ws.send(JSON.stringify(frame));
  }

  heard() {
    window.clearTimeout(this.timers.dead);
    this.timers.dead = window.setTimeout(() => {
      // Nothing for too long: the socket is dead even if the browser has not noticed.
      if (this.ws) {
        const ws = this.ws;
        this.ws = null;
        ws.onclose = ws.onmessage = ws.onerror = null;
        try { ws.close(4000); } catch { /* already gone */ }
      }
      this.clearTimers();
      if (!this.stopped) this.scheduleReconnect();
    }, this.deadAfter);
  }

  scheduleReconnect() {
    this.attempt += 1;
    const base = Math.min(15000, 500 * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.setState("reconnecting", delay);
    this.reconnectSoon(delay);
  }

  reconnectSoon(delay) {
    if (this.stopped || this.ws) return; // open, or opening
    window.clearTimeout(this.timers.reconnect);
    this.timers.reconnect = window.setTimeout(() => this.open(), delay);
  }

  clearTimers() {
    window.clearInterval(this.timers.ping);
    window.clearTimeout(this.timers.dead);
    window.clearTimeout(this.timers.reconnect);
    this.timers = {};
  }

  setState(state, delay = null) {
    this.handlers.onState?.(state, delay);
  }
}
