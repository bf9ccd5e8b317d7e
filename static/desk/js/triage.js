// Labels and priority (issue 17): the chips and the priority menu of the thread header, the
// list rows' badges, and the labels picker (L, or "+ Label"): type to narrow, ↑/↓ to move, Enter
// to put a label on or take it off. Each change goes through the API; what colleagues change
// arrives as events through the store (desk.conversation_labels_changed, desk.label_saved...).
import { api, get, post } from "./api.js";
import { openDialog } from "./dialogs.js";
import { $, clear, h } from "./dom.js";
import { _ } from "./i18n.js";
import { labelChip, priorityName } from "./chips.js";
import { PRIORITIES } from "./priority.js";

// The same rule as the server's (conversations.charge.require_may_triage): a queued
// conversation by anyone who sees it, otherwise by its operator or a supervisor.
export function mayTriage(c, store) {
  if (!c || !["queued", "assigned", "closed", "expired"].includes(c.state)) return false;
  if (store.seesEverything || c.state === "queued") return true;
  return c.assignee?.id === store.me.id;
}

export class Triage {
  // selected(): the open conversation's id; onError(message): shown to the operator.
  constructor(store, { selected, onError }) {
    this.store = store;
    this.selected = selected;
    this.onError = onError;
    this.priority = $("#thread-priority");
    for (const p of PRIORITIES) this.priority.append(h("option", { value: p, text: priorityName(p) }));
    this.priority.addEventListener("change", () => this.setPriority(this.priority.value));
    $("#thread-label-add").addEventListener("click", () => this.openPicker());
    this.dialog = $("#labels-dialog");
    this.find = $("#labels-find");
    this.options = $("#labels-options");
    this.active = 0;
    this.find.addEventListener("input", () => {
      this.active = 0;
      this.paintPicker();
    });
    this.find.addEventListener("keydown", (event) => this.pickerKeys(event));
    store.addEventListener("labels", () => {
      if (this.dialog.open) this.paintPicker();
    });
  }

  async load() {
    const answer = await get("labels");
    this.store.setLabels(answer.data);
  }

  conversation() {
    const id = this.selected();
    return id === null ? null : this.store.conversations.get(id) || null;
  }

  renderHeader() {
    const c = this.conversation();
    if (!c) return;
    const allowed = mayTriage(c, this.store);
    const open = c.state === "queued" || c.state === "assigned";
    this.priority.value = c.priority || "normal";
    this.priority.disabled = !(allowed && open);
    this.priority.dataset.priority = c.priority || "normal";
    const list = clear($("#thread-labels"));
    for (const label of c.labels || []) {
      list.append(h("li", {}, labelChip(label, { onRemove: allowed ? () => this.toggle(label) : null })));
    }
    $("#thread-label-add").hidden = !allowed;
  }

  async setPriority(priority) {
    const c = this.conversation();
    if (!c || priority === c.priority) return;
    await this.send(() => post(`conversations/${c.id}/priority`, { priority }));
  }

  // Puts the label on the open conversation, or takes it off if it is there.
  async toggle(label) {
    const c = this.conversation();
    if (!c) return false;
    const on = (c.labels || []).some((l) => l.id === label.id);
    return this.send(() => (on
      ? api("DELETE", `conversations/${c.id}/labels/${label.id}`)
      : post(`conversations/${c.id}/labels`, { labelId: label.id })));
  }

  async send(request) {
    try {
      await this.store.answered(request);
      return true;
    } catch (error) {
      this.onError(error.message);
      this.renderHeader();
      return false;
    }
  }

  // --- the picker ---------------------------------------------------------------------------

  openPicker() {
    const c = this.conversation();
    if (!mayTriage(c, this.store)) return;
    this.find.value = "";
    this.active = 0;
    $("#labels-error").textContent = "";
    this.paintPicker();
    openDialog(this.dialog);
    this.find.focus();
    this.load().catch((error) => { $("#labels-error").textContent = error.message; });
  }

  matching() {
    const wanted = this.find.value.trim().toLocaleLowerCase();
    return [...this.store.labels.values()].filter((l) => !wanted || l.name.toLocaleLowerCase().includes(wanted));
  }

  paintPicker() {
    const c = this.conversation();
    const on = new Set((c?.labels || []).map((l) => l.id));
    const labels = this.matching();
    this.active = Math.min(this.active, Math.max(0, labels.length - 1));
    clear(this.options);
    labels.forEach((label, index) => {
      const option = h("li", {
        role: "option",
        id: `label-option-${label.id}`,
        class: index === this.active ? "is-active" : null,
        "aria-selected": String(on.has(label.id)),
        dataset: { labelId: String(label.id) },
        onmousedown: (event) => event.preventDefault(), // the input keeps the focus
        onclick: () => this.pick(label),
      },
      h("span", { class: "label-check", "aria-hidden": "true", text: on.has(label.id) ? "✓" : "" }),
      labelChip(label),
      label.description ? h("span", { class: "hint", text: label.description }) : null);
      this.options.append(option);
    });
    if (!labels.length) {
      this.options.append(h("li", { class: "empty", text: this.store.labels.size ? _("No label matches.") : _("No labels yet: an admin defines them.") }));
    }
    const active = labels[this.active];
    if (active) {
      this.find.setAttribute("aria-activedescendant", `label-option-${active.id}`);
      $(`#label-option-${active.id}`)?.scrollIntoView({ block: "nearest" });
    } else {
      this.find.removeAttribute("aria-activedescendant");
    }
  }

  async pick(label) {
    if (await this.toggle(label)) this.paintPicker();
  }

  pickerKeys(event) {
    const labels = this.matching();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!labels.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + labels.length) % labels.length;
      this.paintPicker();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const label = labels[this.active];
      if (label) this.pick(label);
    } else if (event.key === "Escape") {
      // A search box's Esc would only clear what was typed: one press closes the picker.
      event.preventDefault();
      this.dialog.close();
    }
  }
}
