// The dialog that asks until when to snooze. A snooze cannot outlive the messaging window
// (docs/api.md, Snooze): presets past it are disabled, and a refusal offers the template
// notification instead.
import { ApiError } from "./api.js";
import { openDialog } from "./dialogs.js";
import { $ } from "./dom.js";
import { _ } from "./i18n.js";
import { snoozePresets, untilReplyNote, withinWindow } from "./snooze.js";

// The value of a datetime-local input for a Date, in local time.
function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// Ask until when, snooze; `onNotify` opens the template notification.
// send(body): asks for the snooze and applies its answer (Store.answered); onDone(): it is done.
export function snoozeDialog(conversation, { send, onDone, onNotify }) {
  const dialog = $("#snooze-dialog");
  const form = $("#snooze-form");
  const error = $("#snooze-error");
  const notify = $("#snooze-notify");
  const presets = snoozePresets();
  const at = $("#snooze-at");
  error.textContent = "";
  notify.hidden = true;
  at.value = localInput(presets.hour);
  $("#snooze-reply-note").textContent = untilReplyNote(conversation);
  for (const [name, until] of Object.entries(presets)) {
    const input = form.querySelector(`input[value="${name}"]`);
    const late = !withinWindow(conversation, until);
    input.disabled = late;
    input.closest("label").title = late ? _("After the messaging window closes") : "";
  }
  const first = [...form.querySelectorAll('input[name="snooze"]')].find((i) => !i.disabled);
  if (first) first.checked = true;
  form.onsubmit = async (event) => {
    event.preventDefault();
    const choice = form.elements.snooze.value;
    const body = {};
    if (choice === "reply") body.untilReply = true;
    else if (choice === "at") body.until = new Date(at.value).toISOString();
    else body.until = presets[choice].toISOString();
    try {
      await send(body);
      dialog.close();
      onDone();
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "snooze_past_window") {
        error.textContent = _("A snooze cannot outlive the messaging window. Reply now, or reach the contact later with a template notification.");
        notify.hidden = false;
      } else {
        error.textContent = failure.message;
      }
    }
  };
  notify.onclick = () => {
    dialog.close();
    onNotify();
  };
  openDialog(dialog);
}
