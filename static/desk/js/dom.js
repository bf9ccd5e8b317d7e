// Building the page from data. Text from messengers is untrusted: it only ever goes into
// textContent or attribute values, never innerHTML, and only http(s) URLs become links or images.

export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// A URL that is safe to point a link or an image at, or null.
export function safeUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export function externalLink(href, label) {
  return h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow", text: label });
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

// Text with its http(s) URLs as links; everything else stays text.
export function linkified(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of String(text || "").matchAll(URL_PATTERN)) {
    let raw = match[0];
    const trailing = raw.match(/[.,;:!?)\]]+$/);
    if (trailing) raw = raw.slice(0, -trailing[0].length);
    const href = safeUrl(raw);
    if (!href) continue;
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(externalLink(href, raw));
    last = match.index + raw.length;
  }
  fragment.append(document.createTextNode(String(text || "").slice(last)));
  return fragment;
}

export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 30);
}

export function toast(message, { kind = "info", timeout = 6000, action = null } = {}) {
  const box = document.getElementById("toasts");
  if (!box) return null;
  const item = h("div", { class: `toast toast-${kind}` }, h("span", { class: "toast-text", text: message }));
  if (action) {
    item.append(h("button", { type: "button", class: "link", text: action.label, onclick: () => { action.run(); item.remove(); } }));
  }
  item.append(h("button", { type: "button", class: "toast-close", "aria-label": "×", text: "×", onclick: () => item.remove() }));
  box.append(item);
  if (timeout) window.setTimeout(() => item.remove(), timeout);
  return item;
}
