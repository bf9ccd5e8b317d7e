// The browser's side of route.js: reads the address, writes it (a new history entry when the
// operator moves, the same entry when the page only restores or corrects it) and reports
// back/forward, so the page shows what the address says.
import { parseRoute, routeUrl } from "./route.js";

export class Navigation {
  constructor({ base = "/", onRoute }) {
    this.base = base;
    window.addEventListener("popstate", () => onRoute(this.current()));
  }

  current() {
    return parseRoute(window.location, this.base);
  }

  go(route, { replace = false } = {}) {
    const url = routeUrl(route, { base: this.base, search: window.location.search });
    const here = window.location.pathname + window.location.search;
    if (url === here && !window.location.hash) return;
    window.history[replace || url === here ? "replaceState" : "pushState"](null, "", url);
  }
}
