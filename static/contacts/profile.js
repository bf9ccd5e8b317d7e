// The contact profile's deals: read from the platform through /api/contacts/<id>/deals after
// the page is shown, so that a slow platform never holds up the rest of the profile.
import { _, fmt, language } from "../desk/js/i18n.js";
import { timeZone } from "../desk/js/time.js";

const box = document.getElementById("deals");

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function shown(value) {
  if (value === null || value === undefined) return "";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function attributes(list) {
  const dl = element("dl", undefined, "deal-attributes");
  for (const attribute of list) {
    dl.append(element("dt", attribute.name), element("dd", shown(attribute.value)));
  }
  return dl;
}

// The deal's day in the operator's language and zone; what the platform sent when it is no date.
function day(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return String(iso);
  return at.toLocaleDateString(language(), { day: "numeric", month: "short", year: "numeric", timeZone: timeZone() });
}

function deal(item) {
  const article = element("article", undefined, "deal");
  const created = item.createdAt ? ` · ${day(item.createdAt)}` : "";
  article.append(element("h3", `${item.name || _("Deal")}${created}`), attributes(item.attributes));
  item.products.forEach((product, index) => {
    article.append(element("h4", fmt(_("Product %(n)s"), { n: index + 1 })), attributes(product));
  });
  return article;
}

async function load() {
  try {
    const answer = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.message || `HTTP ${answer.status}`);
    box.replaceChildren(
      ...(body.data.length ? body.data.map(deal) : [element("p", _("No deals."), "empty")]),
    );
  } catch (error) {
    box.replaceChildren(element("p", fmt(_("The deals could not be loaded: %(error)s"), { error: error.message }), "contacts-error"));
  }
}

if (box) load();
