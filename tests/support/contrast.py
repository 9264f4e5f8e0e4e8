"""WCAG AA contrast of every visible text on a page, measured in the browser: the text's colour
against the background it is drawn on (ancestors' backgrounds blended, as the eye sees them)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Frame, Page

_SCRIPT = """() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map((i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]);
  };
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      layers.push(parse(getComputedStyle(node).backgroundColor));
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const element = text.parentElement;
    if (!text.textContent.trim() || !element || !element.checkVisibility?.()) continue;
    const style = getComputedStyle(element);
    if (element.closest("[disabled], [aria-hidden='true'], .visually-hidden, option")) continue;
    if (element.matches("input, textarea, select")) continue;
    const back = background(element);
    const fore = over(parse(style.color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push({ text: text.textContent.trim().slice(0, 40), ratio: ratio.toFixed(2) });
    }
  }
  return failures;
}"""


def contrast_failures(where: Page | Frame) -> list[dict[str, Any]]:
    failures: list[dict[str, Any]] = where.evaluate(_SCRIPT)
    return failures
