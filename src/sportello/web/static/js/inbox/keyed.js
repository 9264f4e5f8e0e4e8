// Lists drawn from the page's state keep their nodes: a row or a message whose data did not change
// is the same element (its loaded image, its focus, its place), and only what changed is redrawn.
export class KeyedNodes {
  constructor(render) {
    this.render = render;
    this.nodes = new Map(); // key → { text, node }
  }

  // The node for `item` under `key`, drawn again only when the item is not the one drawn last.
  // `extra` is what else the drawing depends on.
  node(key, item, extra = null) {
    const text = JSON.stringify([item, extra]);
    const kept = this.nodes.get(key);
    if (kept && kept.text === text) return kept.node;
    const node = this.render(item, extra);
    this.nodes.set(key, { text, node });
    return node;
  }

  // Forget the nodes of keys no longer shown.
  keepOnly(keys) {
    for (const key of this.nodes.keys()) if (!keys.has(key)) this.nodes.delete(key);
  }
}

// Make `container`'s children exactly `nodes`, in order, moving as few as it can.
export function reconcile(container, nodes) {
  const wanted = new Set(nodes);
  for (const child of [...container.children]) if (!wanted.has(child)) child.remove();
  let at = container.firstElementChild;
  for (const node of nodes) {
    if (node === at) {
      at = at.nextElementSibling;
    } else {
      container.insertBefore(node, at);
    }
  }
}
