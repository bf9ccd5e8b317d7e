// Where toasts go: over the top of the open thread's messages, right-aligned to the thread, just
// below its header, so they never cover the header's actions (Release, Close…), the list, the
// composer or the top bar. Kept in place as the header grows (its buttons wrap) or the window
// changes size. Positions are set through the CSSOM, which the CSP allows (no inline styles).

export function keepToastsClear() {
  const box = document.getElementById("toasts");
  const pane = document.getElementById("thread-pane");
  if (!box || !pane) return;
  const place = () => {
    const header = document.querySelector("#thread:not([hidden]) .thread-header");
    const topbar = document.querySelector(".topbar");
    const area = pane.getBoundingClientRect();
    const visible = area.width > 0;
    const top = header ? header.getBoundingClientRect().bottom : (topbar?.getBoundingClientRect().bottom || 0);
    box.style.top = `${Math.round(top + 8)}px`;
    box.style.right = visible ? `${Math.round(window.innerWidth - area.right + 12)}px` : "8px";
    box.style.maxWidth = visible ? `${Math.round(Math.min(420, Math.max(220, area.width - 24)))}px` : "";
  };
  const observer = new ResizeObserver(place);
  observer.observe(pane);
  for (const node of document.querySelectorAll(".thread-header, .topbar")) observer.observe(node);
  new MutationObserver(place).observe(document.getElementById("thread"), { attributes: true, attributeFilter: ["hidden"] });
  window.addEventListener("resize", place);
  place();
}
