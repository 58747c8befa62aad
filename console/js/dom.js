/**
 * Builds DOM nodes from data without innerHTML: every string becomes a text node, so nothing that comes back from
 * the API (a purpose, a rejection reason) can ever be read as markup.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a container's content. */
export function mount(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/** A labelled form control: the label wraps it, which axe and screen readers both understand. */
export function field(labelText, control) {
  return h("label", { class: "field" }, h("span", {}, labelText), control);
}

/** Shortens a 0x hash for display; the full value stays in the title. */
export function shortHex(hex) {
  if (typeof hex !== "string") return "";
  return hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex;
}
