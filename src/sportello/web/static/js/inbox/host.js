// Events to the host page (CONTRACT §4): {eventType, data} to the parent window, only ever to an
// origin the API key allows; "*" only when the key allows any origin and the parent is unknown.
let allowed = [];
let known = false;
const last = new Map();

export function setAllowedOrigins(origins) {
  allowed = origins || [];
  known = true;
  // What was due before the page knew who may hear it goes out now.
  if (due.size) schedule();
}

function targets() {
  const ancestors = location.ancestorOrigins;
  const parent = ancestors && ancestors.length ? ancestors[0] : referrerOrigin();
  if (allowed.length) return parent && allowed.includes(parent) ? [parent] : allowed;
  return [parent || "*"];
}

function referrerOrigin() {
  try {
    return document.referrer ? new URL(document.referrer).origin : null;
  } catch {
    return null;
  }
}

export function emit(eventType, data) {
  // Until the session names its API key, the page cannot know who may hear it: it tells no one.
  if (window.parent === window || !known) return;
  for (const origin of targets()) window.parent.postMessage({ eventType, data }, origin);
}

// Sent on first data and then only when it changes.
function emitIfChanged(eventType, data) {
  const text = JSON.stringify(data);
  if (last.get(eventType) === text) return;
  last.set(eventType, text);
  emit(eventType, data);
}

// The page's state changed: the host hears of it once per animation frame at most, at the next
// frame at the latest, with the data as it is then (`build` is called at that moment). Changes in
// one frame make one event; a steady stream still gives one every frame, never a starved wait. A
// hidden page gets no animation frames: a short timer stands in for them.
const due = new Map(); // eventType → build
let frame = null;
let timer = null;
const FALLBACK_MS = 20;

export function emitSoon(eventType, build) {
  due.set(eventType, build);
  schedule();
}

function schedule() {
  if (frame !== null || timer !== null || !known) return;
  frame = requestAnimationFrame(flush);
  timer = setTimeout(flush, FALLBACK_MS);
}

function flush() {
  cancelAnimationFrame(frame);
  clearTimeout(timer);
  frame = null;
  timer = null;
  const builds = [...due];
  due.clear();
  for (const [eventType, build] of builds) emitIfChanged(eventType, build());
}
