// What a screen reader should hear without moving focus (a new message in the open chat): one
// polite live region in the page's markup (#announcer in inbox.html), written to here.
let pending = null;

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  // Emptied first, then written on the next frame: the same sentence twice is heard twice.
  region.textContent = "";
  cancelAnimationFrame(pending);
  pending = requestAnimationFrame(() => { region.textContent = text; });
}
