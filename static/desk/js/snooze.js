// Snooze: the presets (in an hour, tomorrow at 9:00 in the operator's own time zone) and how a
// snoozed conversation is described. Pure: node tests it (the dialog: snooze_dialog.js).
import { _, fmt } from "./i18n.js";

const HOUR = 3_600_000;

// {hour, tomorrow}: Dates, from `now` in the page's (the operator's) time zone.
export function snoozePresets(now = new Date()) {
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  return { hour: new Date(now.getTime() + HOUR), tomorrow };
}

// Whether a snooze until `until` (a Date) ends before the window does.
export function withinWindow(conversation, until) {
  if (!conversation.expiresAt) return true;
  return until.getTime() <= new Date(conversation.expiresAt).getTime();
}

// What "until the user writes" means for this conversation (the line under that choice): the
// server wakes it shortly before the window closes, when it knows when that is.
export function untilReplyNote(conversation) {
  if (!conversation.expiresAt) {
    return _("The end of this conversation's messaging window is not known: it comes back only when the user writes, or when you unsnooze it.");
  }
  const closes = new Date(conversation.expiresAt).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  return fmt(_("It comes back when the user writes, or shortly before the messaging window closes (%(time)s), whichever is first."), { time: closes });
}

export function snoozeLabel(c) {
  if (!c.snoozedAt) return "";
  if (c.snoozeUntilReply) return _("Snoozed until the user writes");
  const at = new Date(c.snoozedUntil);
  return fmt(_("Snoozed until %(time)s"), { time: at.toLocaleString([], { dateStyle: "short", timeStyle: "short" }) });
}

