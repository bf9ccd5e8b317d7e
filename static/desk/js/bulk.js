// Bulk actions of supervisors and admins on the lists (issue 17): "Select several" (or X) shows a
// checkbox on each row; Shift+click (or Shift+Space) selects the range from the last one
// ticked; "All shown" takes every row the list shows. Then assign, label, set the priority or
// close them: POST /api/conversations/bulk answers per conversation, and the rows that failed
// stay selected, each with its reason under the bar.
import { get, post } from "./api.js";
import { priorityName } from "./chips.js";
import { $, clear, h } from "./dom.js";
import { _, fmt, ngettext } from "./i18n.js";
import { operatorChoices } from "./operators.js";
import { PRIORITIES } from "./priority.js";

export const BULK_MAX = 200; // conversations/bulk.py

export class BulkSelection {
  // rows(): the rows the list shows, in order; repaint(): draw the list again.
  constructor(store, { rows, repaint, announce, toast }) {
    this.store = store;
    this.rows = rows;
    this.repaint = repaint;
    this.announce = announce;
    this.toast = toast;
    this.active = false;
    this.selected = new Set();
    this.anchor = null;
    this.toggleButton = $("#bulk-toggle");
    this.bar = $("#bulk-bar");
    this.all = $("#bulk-all");
    this.count = $("#bulk-count");
    this.action = $("#bulk-action");
    this.report = $("#bulk-report");
    this.targets = { assign: $("#bulk-operator"), label: $("#bulk-label"), unlabel: $("#bulk-label"), priority: $("#bulk-priority") };
    for (const p of PRIORITIES) $("#bulk-priority").append(h("option", { value: p, text: priorityName(p) }));
    this.toggleButton.addEventListener("click", () => this.setActive(!this.active));
    this.all.addEventListener("change", () => this.selectAll(this.all.checked));
    this.action.addEventListener("change", () => this.showTarget());
    this.bar.addEventListener("submit", (event) => {
      event.preventDefault();
      this.apply();
    });
    store.addEventListener("labels", () => this.offerLabels());
  }

  setActive(on) {
    this.active = on;
    this.toggleButton.setAttribute("aria-pressed", String(on));
    this.toggleButton.textContent = on ? _("Done selecting") : _("Select several");
    this.bar.hidden = !on;
    if (!on) {
      this.selected.clear();
      this.anchor = null;
      this.report.hidden = true;
    }
    this.repaint();
    this.paint();
  }

  // The checkbox of a row, while selecting.
  checkbox(c) {
    if (!this.active) return null;
    const name = c.contact?.name || _("Unknown contact");
    return h("input", {
      type: "checkbox",
      class: "bulk-check",
      "aria-label": fmt(_("Select the conversation with %(name)s"), { name }),
      dataset: { id: String(c.id) },
      checked: this.selected.has(c.id),
      onclick: (event) => this.ticked(c.id, event.target.checked, event.shiftKey),
      // Shift+Space: the range from the keyboard (a key's click does not say Shift was held).
      onkeydown: (event) => {
        if (event.key !== " " || !event.shiftKey) return;
        event.preventDefault();
        this.ticked(c.id, !this.selected.has(c.id), true);
      },
    });
  }

  ticked(id, on, range) {
    const ids = this.rows().map((c) => c.id);
    if (range && this.anchor !== null && ids.includes(this.anchor) && ids.includes(id)) {
      const [from, to] = [ids.indexOf(this.anchor), ids.indexOf(id)].sort((a, b) => a - b);
      for (const other of ids.slice(from, to + 1)) this.mark(other, on);
    } else {
      this.mark(id, on);
    }
    this.anchor = id;
    this.repaint();
    this.paint();
  }

  mark(id, on) {
    if (on && this.selected.size < BULK_MAX) this.selected.add(id);
    if (!on) this.selected.delete(id);
  }

  // X: the open conversation in or out of the selection (selecting starts if it had not).
  toggle(id) {
    if (id === null) return;
    if (!this.active) this.setActive(true);
    this.ticked(id, !this.selected.has(id), false);
    this.announce(this.selected.has(id) ? _("Selected.") : _("No longer selected."));
  }

  selectAll(on) {
    for (const c of this.rows()) this.mark(c.id, on);
    this.repaint();
    this.paint();
  }

  // Only what the list shows stays selected: a conversation that left it (closed by a
  // colleague, filtered out) is not acted on unseen.
  prune() {
    const shown = new Set(this.rows().map((c) => c.id));
    for (const id of this.selected) if (!shown.has(id)) this.selected.delete(id);
    this.paint();
  }

  paint() {
    if (!this.active) return;
    const n = this.selected.size;
    const shown = this.rows().length;
    this.count.textContent = fmt(ngettext("%(n)s selected", "%(n)s selected", n), { n });
    this.all.checked = shown > 0 && n >= Math.min(shown, BULK_MAX);
    this.all.indeterminate = n > 0 && !this.all.checked;
    $("#bulk-apply").disabled = n === 0;
  }

  async showTarget() {
    const action = this.action.value;
    for (const select of Object.values(this.targets)) select.hidden = true;
    const target = this.targets[action];
    if (target) target.hidden = false;
    if (action === "assign") await this.offerOperators();
    if (action === "label" || action === "unlabel") this.offerLabels();
  }

  async offerOperators() {
    const select = clear($("#bulk-operator"));
    try {
      const operators = (await get("operators")).data;
      for (const { team, options } of operatorChoices(operators, null)) {
        select.append(h("optgroup", { label: team }, ...options.map((o) => h("option", { value: o.value, text: o.text }))));
      }
    } catch (error) {
      this.toast(error.message, { kind: "error" });
    }
  }

  offerLabels() {
    const select = $("#bulk-label");
    const chosen = select.value;
    clear(select);
    for (const label of this.store.labels.values()) select.append(h("option", { value: String(label.id), text: label.name }));
    select.value = chosen;
  }

  body() {
    const action = this.action.value;
    const body = { ids: [...this.selected], action };
    if (action === "assign") body.toUserId = Number($("#bulk-operator").value);
    if (action === "label" || action === "unlabel") body.labelId = Number($("#bulk-label").value);
    if (action === "priority") body.priority = $("#bulk-priority").value;
    return body;
  }

  async apply() {
    if (!this.selected.size || !this.action.value) return;
    const n = this.selected.size;
    // Closing has no undo here (one close has 5 seconds of it): asked first.
    if (this.action.value === "close" && !window.confirm(fmt(ngettext("Close %(n)s conversation?", "Close %(n)s conversations?", n), { n }))) return;
    let answer;
    const since = this.store.beginSnapshot();
    try {
      answer = await post("conversations/bulk", this.body());
    } catch (error) {
      this.store.dropSnapshot(since);
      this.toast(error.message, { kind: "error" });
      return;
    }
    for (const result of answer.results) {
      if (result.ok) {
        this.store.applyAnswer(since, result.conversation);
        this.selected.delete(result.id);
      }
    }
    this.store.dropSnapshot(since);
    this.store.emit("conversations");
    this.showReport(answer);
  }

  showReport({ results, done, failed }) {
    const summary = fmt(ngettext("Done for %(done)s of %(n)s conversation.", "Done for %(done)s of %(n)s conversations.", results.length), { done, n: results.length });
    const report = clear(this.report);
    report.hidden = false;
    report.append(h("p", { text: summary }));
    if (failed) {
      report.append(h("ul", { class: "bulk-failures" }, results.filter((r) => !r.ok).map((r) => {
        const c = this.store.conversations.get(r.id);
        const name = c?.contact?.name || `#${r.id}`;
        return h("li", { dataset: { id: String(r.id) } }, h("strong", { text: `${name}: ` }), r.message);
      })));
    }
    this.announce(summary);
    this.paint();
  }
}
