// Building elements without innerHTML: user content only ever becomes text.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function announce(region, text, kind = "info") {
  region.textContent = text;
  region.dataset.kind = kind;
}

// Replace a container's content, skipping the parts a page chose not to show (null, false).
export function show(container, ...parts) {
  container.replaceChildren(...parts.flat().filter((part) => part !== null && part !== undefined && part !== false));
}
