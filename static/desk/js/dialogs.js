// The page's dialogs (native <dialog>: focus stays inside, Esc closes, focus returns).
import { api, get, post } from "./api.js";
import { channelName } from "./channels.js";
import { $, clear, h } from "./dom.js";
import { _, fmt } from "./i18n.js";
import { contactValues, fill } from "./fill.js";
import { operatorChoices } from "./operators.js";

function wireClose(dialog) {
  for (const button of dialog.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => dialog.close());
  }
}

for (const dialog of document.querySelectorAll("dialog")) wireClose(dialog);

export function openDialog(dialog) {
  dialog.returnFocusTo = document.activeElement;
  dialog.showModal();
  dialog.addEventListener("close", () => dialog.returnFocusTo?.focus?.(), { once: true });
}

// --- transfer ---------------------------------------------------------------------------------

export async function transferDialog(store, conversation) {
  const dialog = $("#transfer-dialog");
  const select = $("#transfer-to");
  const error = $("#transfer-error");
  error.textContent = "";
  $("#transfer-note").value = "";
  clear(select);
  select.append(h("option", { value: "", text: _("Loading operators…") }));
  openDialog(dialog);
  let operators;
  try {
    operators = (await get("operators")).data;
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  clear(select);
  for (const { team, options } of operatorChoices(operators, conversation.assignee?.id)) {
    select.append(
      h("optgroup", { label: team }, ...options.map((o) => h("option", { value: o.value, text: o.text }))),
    );
  }
  if (!select.options.length) select.append(h("option", { value: "", text: _("No other operator.") }));
  const form = $("#transfer-form");
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (!select.value) return;
    try {
      await post(`conversations/${conversation.id}/transfer`, { toUserId: Number(select.value), note: $("#transfer-note").value });
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
}

// --- template notification ----------------------------------------------------------------

export async function notifyDialog(store, conversation, templates) {
  const dialog = $("#notify-dialog");
  const select = $("#notify-template");
  const error = $("#notify-error");
  const valuesBox = $("#notify-values");
  const channelsBox = $("#notify-channels");
  const preview = $("#notify-preview");
  error.textContent = "";
  clear(select);
  openDialog(dialog);
  let all;
  try {
    all = (await templates()).filter((t) => t.source === "platform" && t.channels.length);
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  if (!all.length) {
    error.textContent = _("There is no approved template to send.");
    return;
  }
  // Templates on the conversation's channel first.
  all.sort((a, b) => Number(b.channels.includes(conversation.channel)) - Number(a.channels.includes(conversation.channel)));
  for (const t of all) select.append(h("option", { value: t.id, text: `${t.name} (${t.channels.map(channelName).join(", ")})` }));
  const contact = store.details.get(conversation.id)?.contact;
  const known = contactValues(contact);
  const typed = {};

  const current = () => all.find((t) => t.id === select.value) || all[0];
  const refresh = () => {
    const template = current();
    const { text, missing } = fill(template.text, { ...known, ...typed });
    preview.textContent = text;
    return { template, missing };
  };
  const build = () => {
    const template = current();
    // Inputs for the placeholders the contact has no value for.
    for (const node of [...valuesBox.querySelectorAll(".field")]) node.remove();
    const open = template.placeholders.filter((key) => !known[key]);
    valuesBox.hidden = open.length === 0;
    for (const key of open) {
      const id = `notify-value-${key}`;
      const input = h("input", { type: "text", id, name: key, required: true, value: typed[key] || "" });
      input.addEventListener("input", () => { typed[key] = input.value; refresh(); });
      valuesBox.append(h("div", { class: "field" }, h("label", { for: id, text: `#${key}#` }), input));
    }
    for (const node of [...channelsBox.querySelectorAll("label")]) node.remove();
    for (const channel of template.channels) {
      channelsBox.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "channel", value: channel, checked: true }), " ", channelName(channel)));
    }
    refresh();
  };
  select.onchange = build;
  build();
  $("#notify-form").onsubmit = async (event) => {
    event.preventDefault();
    const { template, missing } = refresh();
    if (missing.length) {
      error.textContent = fmt(_("Fill in %(names)s first."), { names: missing.map((k) => `#${k}#`).join(", ") });
      valuesBox.querySelector("input")?.focus();
      return;
    }
    const channels = [...channelsBox.querySelectorAll('input[name="channel"]:checked')].map((i) => i.value);
    if (!channels.length) {
      error.textContent = _("Choose at least one channel.");
      return;
    }
    const submit = dialog.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      await post(`conversations/${conversation.id}/notify`, { templateId: template.id, channels, values: typed });
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
    }
  };
}

// --- alert settings ---------------------------------------------------------------------------

export function alertsDialog(alerts) {
  const dialog = $("#alerts-dialog");
  const form = $("#alerts-form");
  const permission = $("#alerts-permission");
  const paintPermission = () => {
    const state = "Notification" in window ? Notification.permission : "unsupported";
    permission.textContent = {
      granted: "",
      denied: _("The browser blocks notifications for this site; allow them in its site settings."),
      default: _("The browser will ask for permission."),
      unsupported: _("This browser cannot show notifications."),
    }[state] || "";
  };
  for (const name of ["sound", "notify", "title"]) form.elements[name].checked = alerts.settings[name];
  paintPermission();
  form.onchange = async (event) => {
    const input = event.target;
    if (input.name === "notify" && input.checked) {
      const allowed = await alerts.askPermission();
      if (!allowed) input.checked = false;
      paintPermission();
    }
    alerts.set(input.name, input.checked);
  };
  $("#alerts-test").onclick = () => alerts.test();
  openDialog(dialog);
}

// --- quick replies (supervisors) ----------------------------------------------------------

// The quick replies: the caller's own (personal) and the team's. Supervisors and admins keep
// the team's; an agent sees them and keeps their own.
export async function quickRepliesDialog(onChange, { managesTeam = false } = {}) {
  const dialog = $("#quick-replies-dialog");
  const list = $("#quick-reply-list");
  const error = $("#quick-reply-error");
  const idField = $("#quick-reply-id");
  const name = $("#quick-reply-name");
  const text = $("#quick-reply-text");
  const personal = $("#quick-reply-personal");
  const edit = (reply) => {
    idField.value = reply ? String(reply.id) : "";
    name.value = reply ? reply.name : "";
    text.value = reply ? reply.text : "";
    personal.checked = reply ? reply.personal : !managesTeam;
    personal.disabled = Boolean(reply) || !managesTeam; // a reply keeps its scope
    error.textContent = "";
    name.focus();
  };
  const load = async () => {
    clear(list);
    let replies;
    try {
      replies = (await get("quick-replies")).data;
    } catch (failure) {
      error.textContent = failure.message;
      return;
    }
    if (!replies.length) list.append(h("li", { class: "empty", text: _("No quick replies yet.") }));
    for (const reply of replies) {
      const mayChange = reply.personal || managesTeam;
      list.append(h("li", { dataset: { personal: String(reply.personal) } },
        h("span", { class: "qr-name" },
          h("span", { class: `qr-scope ${reply.personal ? "qr-personal" : "qr-team"}`, text: reply.personal ? _("Mine") : _("Team") }), " ", reply.name),
        h("span", { class: "qr-text", text: reply.text }),
        mayChange ? h("button", { type: "button", class: "link", text: _("Edit"), onclick: () => edit(reply) }) : null,
        mayChange ? h("button", {
          type: "button", class: "link danger", text: _("Delete"),
          onclick: async () => {
            try {
              await api("DELETE", `quick-replies/${reply.id}`);
              onChange();
              load();
            } catch (failure) {
              error.textContent = failure.message;
            }
          },
        }) : null));
    }
  };
  $("#quick-reply-new").onclick = () => edit(null);
  $("#quick-reply-form").onsubmit = async (event) => {
    event.preventDefault();
    const body = { name: name.value, text: text.value, personal: personal.checked };
    try {
      if (idField.value) await api("PUT", `quick-replies/${idField.value}`, body);
      else await post("quick-replies", body);
      edit(null);
      onChange();
      load();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  edit(null);
  openDialog(dialog);
  await load();
}

export function helpDialog() {
  openDialog($("#help-dialog"));
}
