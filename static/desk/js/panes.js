// Which pane is in front where there is no room for all three: below 700 px one at a time (the
// list, the thread, the contact), below 1100 px the contact in the thread's place. The choice is
// #desk's data-view; desk.css decides by the width whether it hides anything, so on a wide
// screen this changes nothing. The list keeps its scroll position while it is out of sight
// (display: none forgets it), and the focus goes where the operator's eyes go.

export class Panes {
  constructor(root, { onList }) {
    this.root = root;
    this.list = document.getElementById("conversation-panel");
    this.listScroll = 0;
    this.root.dataset.view = "list";
    // Scroll events only come while the list is on screen: what it was when it went away.
    this.list.addEventListener("scroll", () => { this.listScroll = this.list.scrollTop; }, { passive: true });
    for (const button of root.querySelectorAll("[data-pane]")) {
      button.addEventListener("click", () => (button.dataset.pane === "list" ? onList() : this.show(button.dataset.pane, { focus: true })));
    }
  }

  get view() {
    return this.root.dataset.view;
  }

  show(view, { focus = false } = {}) {
    const was = this.view;
    if (was === view) return;
    this.root.dataset.view = view;
    if (view === "list" && this.list.scrollTop !== this.listScroll) this.list.scrollTop = this.listScroll;
    if (!focus) return;
    // Into the contact: its way back; back from it: the button that opened it.
    const target = view === "contact" ? this.root.querySelector('.pane-contact [data-pane="thread"]')
      : view === "thread" && was === "contact" ? this.root.querySelector('.thread [data-pane="contact"]') : null;
    if (target && target.offsetParent !== null) target.focus();
  }
}
