// Building the page from data: elements and text nodes only, never markup. Everything a
// customer wrote goes through textContent; links only for http(s) URLs.

/** An element: h("li", {class: "row", dataset: {id: 3}}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace every child of ``node``. */
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}

export function $(id) {
  return document.getElementById(id);
}

/** ``url`` if it is an absolute http(s) URL, else null. */
export function safeUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link that opens Meta's URL in a new tab, telling it nothing about us. */
export function externalLink(url, label) {
  const href = safeUrl(url);
  if (href === null) return h("span", { class: "bad-link" }, label || String(url ?? ""));
  const link = h("a", { target: "_blank", rel: "noopener noreferrer" }, label || href);
  link.href = href;
  return link;
}

export function show(node, visible) {
  node.hidden = !visible;
}
