// Icons drawn as inline SVG (no emoji font needed, nothing fetched): 24×24 strokes in the text's colour.
const SVG = "http://www.w3.org/2000/svg";

// Each icon: path data, and circles as [cx, cy, r, filled].
const ICONS = {
  back: { d: ["M15 5l-7 7 7 7"] },
  more: { c: [[12, 5, 1.8, true], [12, 12, 1.8, true], [12, 19, 1.8, true]] },
  clock: { d: ["M12 7v5l3 2"], c: [[12, 12, 9]] },
  check: { d: ["M5 12.5l4.5 4.5L19 7.5"] },
  checks: { d: ["M2 12.5l4.5 4.5L16 7.5", "M10 16l1 1L21 7.5"] },
  alert: { d: ["M12 3L2 20h20z", "M12 9.5v4.5", "M12 17.2v.1"] },
  file: { d: ["M14 3H6v18h12V7z", "M14 3v4h4"] },
  pin: { d: ["M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z"], c: [[12, 9.5, 2.5]] },
  link: { d: ["M14 4h6v6", "M20 4l-9 9", "M18 14v6H4V6h6"] },
  smile: { d: ["M8 14.5a5 5 0 0 0 8 0"], c: [[12, 12, 9], [9, 9.5, 1.2, true], [15, 9.5, 1.2, true]] },
  reply: { d: ["M10 8V4L3 11l7 7v-4c5 0 8.5 1.5 11 5-1-5-4-10-11-11z"] },
  phone: { d: ["M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"] },
  user: { d: ["M4 21a8 8 0 0 1 16 0"], c: [[12, 8, 4]] },
  list: { d: ["M8 6h13M8 12h13M8 18h13", "M3.5 6h.1M3.5 12h.1M3.5 18h.1"] },
  down: { d: ["M12 5v14", "M6 13l6 6 6-6"] },
  close: { d: ["M6 6l12 12M18 6L6 18"] },
  bell: { d: ["M6 9a6 6 0 0 1 12 0c0 6 2.5 8 2.5 8h-17S6 15 6 9z", "M10 20.5a2.2 2.2 0 0 0 4 0"] },
};

// `icon("clock")` is decorative (hidden from screen readers); with `label` it is an image with that name.
export function icon(name, { label = "", className = "" } = {}) {
  const shape = ICONS[name];
  const svg = document.createElementNS(SVG, "svg");
  const attributes = { viewBox: "0 0 24 24", width: "1em", height: "1em", fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round", focusable: "false",
    class: `icon icon-${name}${className ? ` ${className}` : ""}` };
  for (const [key, value] of Object.entries(attributes)) svg.setAttribute(key, value);
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  for (const d of shape.d || []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  for (const [cx, cy, r, filled] of shape.c || []) {
    const circle = document.createElementNS(SVG, "circle");
    for (const [key, value] of Object.entries({ cx, cy, r })) circle.setAttribute(key, String(value));
    if (filled) circle.setAttribute("fill", "currentColor");
    svg.append(circle);
  }
  return svg;
}
