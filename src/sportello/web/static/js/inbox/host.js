// Events to the host page (CONTRACT §4): {eventType, data} to the parent window, only ever to an
// origin the API key allows; "*" only when the key allows any origin and the parent is unknown.
let allowed = [];
let known = false;
const last = new Map();

export function setAllowedOrigins(origins) {
  allowed = origins || [];
  known = true;
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
export function emitIfChanged(eventType, data) {
  const text = JSON.stringify(data);
  if (last.get(eventType) === text) return;
  last.set(eventType, text);
  emit(eventType, data);
}
