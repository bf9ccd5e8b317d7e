// The filter builder of the contact list: edits the platform's filter object
// ({union, conditions: [{field, op, value} | group]}) as nested groups of conditions, and keeps
// the form's JSON field (which the server reads, and the URL carries) in step with it.
// Without this script the JSON field alone is the filter.

const data = JSON.parse(document.getElementById("filter-builder-data").textContent);
const textarea = document.getElementById("filter-json");
const host = document.getElementById("filter-builder");
const kinds = Object.fromEntries(data.fields.map((f) => [f.name, f.kind]));
// What people read for the codes (contacts/labels.py); the codes stay in the JSON and the URL.
const labels = data.labels;
const words = labels.text;
const PATH = "\u0000path"; // the select's value for "a path into a source profile"
const NO_VALUE = new Set(["exists", "nexists"]);

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function kindOf(field) {
  if (field in kinds) return kinds[field];
  return "string"; // a profile path compares as text
}

function operatorsFor(kind) {
  return Object.entries(data.operators)
    .filter(([, allowed]) => allowed.includes(kind))
    .map(([op]) => op);
}

function isGroup(node) {
  return node && typeof node === "object" && Array.isArray(node.conditions);
}

function parse(text) {
  if (!text.trim()) return { union: "and", conditions: [] };
  const value = JSON.parse(text);
  if (isGroup(value)) return value;
  throw new Error("not a group");
}

let tree;
try {
  tree = parse(textarea.value);
} catch {
  tree = null; // something the builder cannot show: the JSON field stays the editor
}

function sync() {
  textarea.value = tree.conditions.length ? JSON.stringify(tree) : "";
}

function valueInput(condition, kind) {
  if (NO_VALUE.has(condition.op)) return element("span");
  const shown = Array.isArray(condition.value) ? condition.value.join(", ") : condition.value ?? "";
  const input = element("input", {
    value: shown,
    "aria-label": words.value,
    type: kind === "number" ? "number" : "text",
    step: kind === "number" ? "any" : undefined,
    placeholder:
      kind === "date"
        ? "2024-03-01"
        : kind === "array"
          ? words.arrayHint
          : "",
    list: kind === "array" ? "filter-channels" : undefined,
  });
  input.addEventListener("input", () => {
    const text = input.value;
    if (kind === "number") condition.value = text === "" ? "" : Number(text);
    else if (kind === "array" && text.includes(","))
      condition.value = text.split(",").map((s) => s.trim()).filter(Boolean);
    else condition.value = text;
    sync();
  });
  return input;
}

function fieldSelect(condition, onChange) {
  const select = element("select", { "aria-label": words.field });
  const groups = {};
  for (const field of data.fields) {
    groups[field.group] ??= element("optgroup", { label: words[field.group] ?? field.group });
    groups[field.group].append(element("option", { value: field.name, text: field.label ?? field.name }));
  }
  select.append(...Object.values(groups));
  select.append(element("option", { value: PATH, text: words.profilePath }));
  const known = condition.field in kinds;
  select.value = known ? condition.field : PATH;
  const path = element("input", {
    value: known ? "" : condition.field ?? "",
    placeholder: "vk.city.title",
    "aria-label": words.profilePathLabel,
    hidden: known ? "" : undefined,
  });
  select.addEventListener("change", () => {
    path.hidden = select.value !== PATH;
    condition.field = select.value === PATH ? path.value : select.value;
    onChange();
  });
  path.addEventListener("input", () => {
    condition.field = path.value;
    sync();
  });
  return [select, path];
}

function conditionRow(condition, parent) {
  const row = element("div", { class: "filter-condition" });
  let shownKind = kindOf(condition.field || "");
  const draw = () => {
    const kind = kindOf(condition.field || "");
    if (kind !== shownKind) {
      condition.value = ""; // a value of another type would only be refused
      shownKind = kind;
    }
    const ops = operatorsFor(kind);
    if (!ops.includes(condition.op)) condition.op = ops[0];
    if (NO_VALUE.has(condition.op)) delete condition.value;
    const op = element(
      "select",
      { "aria-label": words.operator },
      ops.map((o) => element("option", { value: o, text: labels.operators[o] ?? o })),
    );
    op.value = condition.op;
    op.addEventListener("change", () => {
      condition.op = op.value;
      draw();
    });
    const remove = element("button", { type: "button", class: "link", text: words.remove });
    remove.addEventListener("click", () => {
      parent.conditions.splice(parent.conditions.indexOf(condition), 1);
      render();
    });
    row.replaceChildren(...fieldSelect(condition, draw), op, valueInput(condition, kind), remove);
    sync();
  };
  draw();
  return row;
}

function groupBox(group, parent) {
  const box = element("div", { class: "filter-group" });
  const union = element("select", { "aria-label": words.match }, [
    element("option", { value: "and", text: labels.unions.and }),
    element("option", { value: "or", text: labels.unions.or }),
  ]);
  union.value = group.union === "or" ? "or" : "and";
  union.addEventListener("change", () => {
    group.union = union.value;
    sync();
  });
  const add = element("button", { type: "button", text: words.addCondition });
  add.addEventListener("click", () => {
    group.conditions.push({ field: data.fields[0]?.name ?? "id", op: "eq", value: "" });
    render();
  });
  const nest = element("button", { type: "button", text: words.addGroup });
  nest.addEventListener("click", () => {
    group.conditions.push({ union: "or", conditions: [] });
    render();
  });
  const head = element("div", { class: "filter-group-head" }, [
    element("span", { text: words.match }),
    union,
    element("span", { text: words.theseConditions }),
    add,
    nest,
  ]);
  if (parent) {
    const remove = element("button", { type: "button", class: "link", text: words.removeGroup });
    remove.addEventListener("click", () => {
      parent.conditions.splice(parent.conditions.indexOf(group), 1);
      render();
    });
    head.append(remove);
  }
  const children = group.conditions.map((child) =>
    isGroup(child) ? groupBox(child, group) : conditionRow(child, group),
  );
  box.append(head, ...children);
  return box;
}

function render() {
  host.replaceChildren(
    groupBox(tree, null),
    element(
      "datalist",
      { id: "filter-channels" },
      data.channels.map((c) => element("option", { value: c })),
    ),
  );
  sync();
}

if (tree) {
  host.hidden = false;
  render();
  // Editing the JSON by hand redraws the builder (when it is a group it can show).
  textarea.addEventListener("change", () => {
    try {
      tree = parse(textarea.value);
      render();
    } catch {
      /* leave the text as typed: the server names what is wrong with it */
    }
  });
}
