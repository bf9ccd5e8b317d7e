// One message (or notification) of the thread as DOM. Untrusted text goes through textContent
// (linkified() builds text nodes and http(s) links only); images only from http(s) URLs.
import { noteNodes } from "./mentions.js";
import { externalLink, h, linkified, safeUrl } from "./dom.js";
import { _, fmt } from "./i18n.js";
import { clock, fullDate } from "./time.js";

export const FAILURES = new Set(["failed", "rejected", "undelivered", "expired", "error", "blocked_by_user"]);

export function deliveryLabel(state) {
  return {
    queued: _("Queued"),
    sending: _("Sending"),
    checking: _("Checking with the platform"),
    sent: _("Sent"),
    unknown: _("Sent, status unknown"),
    delivered: _("Delivered"),
    read: _("Read"),
    failed: _("Not sent"),
    rejected: _("Rejected"),
    undelivered: _("Undelivered"),
    expired: _("Expired"),
    error: _("Error"),
    blocked_by_user: _("Blocked by the user"),
  }[state] || state || "";
}

const TICKS = {
  queued: "◷", sending: "↻", checking: "?", sent: "✓", unknown: "✓", delivered: "✓✓", read: "✓✓",
};

function attachmentsNode(attachments) {
  if (!attachments || !attachments.length) return null;
  const list = h("ul", { class: "msg-attachments" });
  for (const item of attachments) {
    const url = safeUrl(item && item.url);
    const name = (item && item.name) || _("attachment");
    if (!url) {
      list.append(h("li", { class: "attachment-broken", text: name }));
      continue;
    }
    const kind = String((item && item.type) || "").split("/")[0] || guessKind(name);
    if (kind === "image") {
      const link = h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", class: "attachment-image" },
        h("img", { src: url, alt: name, loading: "lazy", referrerpolicy: "no-referrer" }));
      list.append(h("li", {}, link));
    } else {
      list.append(h("li", { class: "attachment-file" }, h("span", { "aria-hidden": "true", text: "📎 " }), externalLink(url, name)));
    }
  }
  return list;
}

function guessKind(name) {
  return /\.(png|jpe?g|gif|webp|bmp)$/i.test(name || "") ? "image" : "file";
}

export function messageSignature(m) {
  return `${m.kind}|${m.delivery}|${m.deliveryDetail}|${m.text}`;
}

export function messageNode(m, { me, actions }) {
  const classes = ["msg", `msg-${m.kind}`];
  if (m.kind === "history") classes.push(m.deliveryDetail === "out" ? "msg-history-bot" : "msg-history-user");
  const li = h("li", { class: classes.join(" "), dataset: { id: String(m.id), kind: m.kind } });
  fillMessage(li, m, { me, actions });
  return li;
}

export function fillMessage(li, m, { me, actions }) {
  li.replaceChildren();
  li.dataset.signature = messageSignature(m);
  if (m.delivery) li.dataset.delivery = m.delivery;
  const who = {
    incoming: _("Contact"),
    outgoing: m.author ? (m.author.id === me.id ? _("You") : m.author.name) : _("Operator"),
    note: fmt(_("Internal note · %(name)s"), { name: m.author ? m.author.name : _("Operator") }),
    history: m.deliveryDetail === "out" ? _("Bot") : _("Contact"),
  }[m.kind] || "";
  const bubble = h("div", { class: "bubble" });
  bubble.append(h("p", { class: "msg-author", text: who }));
  if (m.text) bubble.append(h("p", { class: "msg-text" }, ...(m.kind === "note" ? noteNodes(m.text) : [linkified(m.text)])));
  const files = attachmentsNode(m.attachments);
  if (files) bubble.append(files);
  const meta = h("p", { class: "msg-meta" }, h("time", { datetime: m.createdAt, title: fullDate(m.createdAt), text: clock(m.createdAt) }));
  if (m.kind === "outgoing") {
    const failed = FAILURES.has(m.delivery);
    meta.append(h("span", { class: `msg-status status-${m.delivery}`, title: deliveryLabel(m.delivery) },
      h("span", { class: "ticks", "aria-hidden": "true", text: failed ? "!" : TICKS[m.delivery] || "" }),
      h("span", { class: "status-label", text: deliveryLabel(m.delivery) })));
    bubble.append(meta);
    if (failed) bubble.append(failureNode(m, actions));
    else if (m.delivery === "queued" && m.deliveryDetail) bubble.append(h("p", { class: "msg-detail", text: m.deliveryDetail }));
  } else {
    bubble.append(meta);
  }
  li.append(bubble);
}

function failureNode(m, actions) {
  const reason = m.deliveryDetail || {
    rejected: _("The messenger rejected the message."),
    undelivered: _("The messenger could not deliver it."),
    expired: _("It was not delivered in time."),
    error: _("The platform reported an error."),
    blocked_by_user: _("The user has blocked the channel."),
  }[m.delivery] || "";
  const box = h("div", { class: "msg-failure", role: "note" }, h("span", { text: reason }));
  if (m.delivery === "failed") {
    box.append(h("button", { type: "button", class: "link", text: _("Retry"), onclick: () => actions.retry(m) }));
  } else if (["undelivered", "error", "expired", "rejected"].includes(m.delivery)) {
    box.append(h("button", { type: "button", class: "link", text: _("Send again"), onclick: () => actions.resend(m) }));
  }
  return box;
}

export function notificationNode(n) {
  const li = h("li", { class: "msg msg-notification", dataset: { id: `n${n.id}`, status: n.status || "sent" } });
  fillNotification(li, n);
  return li;
}

export function notificationSignature(n) {
  return `${n.status}|${n.channel}|${JSON.stringify(n.statusDetails || {})}`;
}

export function fillNotification(li, n) {
  li.replaceChildren();
  li.dataset.signature = notificationSignature(n);
  li.dataset.status = n.status || "sent";
  const status = {
    sent: _("Sent to the platform"),
    delivered: _("Delivered"),
    read: _("Read"),
    error: _("Not delivered"),
    undelivered: _("Not delivered"),
  }[n.status] || n.status || _("Sent to the platform");
  const detail = n.statusDetails && n.statusDetails.desc ? n.statusDetails.desc : "";
  li.append(h("div", { class: "bubble" },
    h("p", { class: "msg-author", text: fmt(_("Template notification · %(name)s"), { name: n.templateName || "" }) }),
    h("p", { class: "msg-text", text: n.text || "" }),
    h("p", { class: "msg-meta" },
      h("time", { datetime: n.createdAt, text: clock(n.createdAt) }),
      h("span", { class: "notification-status", text: n.channel ? `${status} · ${n.channel}` : status })),
    detail ? h("p", { class: "msg-failure", text: detail }) : null));
}
