// One timer for every countdown and "waiting since" on the page.
import { _, fmt } from "./i18n.js";
import { URGENT_SECONDS, countdown, elapsed, secondsUntil } from "./time.js";

const listeners = new Set();

export function onTick(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function windowText(seconds) {
  if (seconds === null) return "";
  if (seconds <= 0) return _("window closed");
  return fmt(_("%(time)s left"), { time: countdown(seconds) });
}

export function paintTimers(root = document) {
  const now = Date.now();
  for (const node of root.querySelectorAll("[data-expires]")) {
    const seconds = secondsUntil(node.dataset.expires, now);
    const state = seconds === null ? "none" : seconds <= 0 ? "expired" : seconds <= URGENT_SECONDS ? "urgent" : "ok";
    const text = windowText(seconds);
    if (node.textContent !== text) node.textContent = text;
    if (node.dataset.state !== state) node.dataset.state = state;
    const label = seconds !== null && seconds > 0 ? fmt(_("Messaging window: %(time)s left"), { time: countdown(seconds) }) : _("Messaging window closed");
    if (node.getAttribute("aria-label") !== label) node.setAttribute("aria-label", label);
  }
  for (const node of root.querySelectorAll("[data-since]")) {
    const text = elapsed(node.dataset.since, now);
    if (node.textContent !== text) node.textContent = text;
  }
}

export function startTicker() {
  const tick = () => {
    paintTimers();
    for (const fn of listeners) fn();
  };
  tick();
  window.setInterval(tick, 1000);
}
