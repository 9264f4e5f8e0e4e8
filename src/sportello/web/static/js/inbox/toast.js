// A short confirmation over the top of the conversation (never over the composer): it says what
// happened and goes away by itself, an error after a little longer. A click dismisses it. Pages
// write into it with dom.js's announce(region, text, kind), as into any status line.
const SHOWN_MS = { success: 3500, info: 3500, error: 8000 };

export function toastRegion(id) {
  const region = document.createElement("p");
  Object.assign(region, { id, className: "status toast" });
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  let timer = null;
  const clear = () => { region.textContent = ""; };
  new MutationObserver(() => {
    clearTimeout(timer);
    if (region.textContent) timer = setTimeout(clear, SHOWN_MS[region.dataset.kind] ?? SHOWN_MS.info);
  }).observe(region, { childList: true, characterData: true, subtree: true, attributes: true });
  region.addEventListener("click", clear);
  return region;
}
