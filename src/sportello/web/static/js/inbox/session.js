// The page's session. In a host's frame: the single-use token of the address is exchanged for a
// frame session whose secret lives in memory and, for reloads, in sessionStorage under the frame's
// own id (same-origin frames of one tab share that storage). In the full app: the login cookie.
import { boot } from "../boot.js";
import { el, show } from "../dom.js";
import { t } from "../i18n.js";
import { emit } from "./host.js";

const STORE = "sportello.frame.";
const TOGGLES = ["can_view_chat_list", "can_reply_in_chat", "can_send_paypal_in_chat"];
let secret = null;
let expired = false;

export const framed = boot.mode !== "app";

export class ApiError extends Error {
  constructor(status, detail, code) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.code = code;
  }
}

export function frameSecret() {
  return secret;
}

export function showExpired() {
  if (expired) return;
  expired = true;
  const main = document.getElementById("main");
  show(main, el("section", { class: "expired", role: "alert", id: "session-expired" },
    el("h1", {}, t("session.expired_title")),
    el("p", {}, t(framed ? "session.expired_text" : "session.signed_out_text")),
    framed ? null : el("a", { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t("login.submit"))));
  // The host can mint a new token and reload the frame (only a session that had named its key's
  // origins is told: a page that never had one cannot know who may hear it).
  if (framed) emit("sessionExpired", {});
  document.dispatchEvent(new CustomEvent("sportello:expired"));
}

function headers(json) {
  const result = { Accept: "application/json" };
  if (secret) result.Authorization = `Bearer ${secret}`;
  else if (boot.csrf) result["X-CSRF-Token"] = boot.csrf;
  if (json) result["Content-Type"] = "application/json";
  return result;
}

async function send(method, path, body, keepalive = false) {
  const isForm = body instanceof FormData;
  try {
    return await fetch(path, {
      method,
      // A small JSON call that must outlive the page (a draft saved as the agent leaves).
      keepalive,
      headers: headers(body !== undefined && !isForm),
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
      // A frame's session is its bearer header: no cookie goes with it.
      credentials: secret ? "omit" : "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "network_error");
  }
}

// JSON calls to the web app's API; errors are {detail, code}; an ended session shows its screen.
export async function call(method, path, body, { keepalive = false } = {}) {
  const response = await send(method, path, body, keepalive);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401) showExpired();
    throw new ApiError(response.status, data.detail, data.code || "error");
  }
  return data;
}

// A message's file as a blob: URL (an <img> cannot send the frame's bearer header).
export async function fileUrl(path) {
  const response = await send("GET", path);
  if (!response.ok) throw new ApiError(response.status, "", "media_unavailable");
  return URL.createObjectURL(await response.blob());
}

// Where a frame keeps its secret for the next page load (a reload, the list → chat step):
// sessionStorage under the frame's id. A browser that blocks third-party cookies also denies our
// frame its storage; then the secret rides in the address's fragment, which is never sent to a
// server, never in a Referer, and unreadable by the host page (another origin).
const FRAGMENT = "s=";

function remember(frameId, value) {
  try {
    sessionStorage.setItem(STORE + frameId, value);
    return true;
  } catch {
    return false;
  }
}

function recall(frameId) {
  try {
    const stored = sessionStorage.getItem(STORE + frameId);
    if (stored) return stored;
  } catch {
    // Denied: look in the fragment.
  }
  const hash = location.hash.slice(1);
  return frameId && hash.startsWith(FRAGMENT) ? decodeURIComponent(hash.slice(FRAGMENT.length)) : null;
}

async function exchange(url) {
  const body = {
    token: url.searchParams.get("auth_token"),
    uid: url.searchParams.get("auth_uid") || "",
    language: boot.language,
    // The page it is opened on: the session may do what this page may, no more.
    page: boot.page,
  };
  if (boot.page === "chat" && /^[0-9a-f]{32}$/.test(boot.chatUuid)) body.chat_uuid = boot.chatUuid;
  for (const name of TOGGLES) body[name] = url.searchParams.get(name) !== "false";
  const response = await fetch("/api/1/auth/exchange/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
  });
  if (!response.ok) return null;
  return response.json();
}

// Who this page is signed in as, or null after showing why it is not.
export async function startSession() {
  if (boot.mode === "expired") {
    showExpired();
    return null;
  }
  if (boot.mode === "frame") {
    const url = new URL(location.href);
    if (url.searchParams.get("auth_token")) {
      let opened = null;
      try {
        opened = await exchange(url);
      } catch {
        opened = null;
      }
      if (!opened) {
        showExpired();
        return null;
      }
      secret = opened.session;
      // The token is spent: the address keeps only what a reload needs.
      for (const name of ["auth_token", "auth_uid", ...TOGGLES]) url.searchParams.delete(name);
      url.searchParams.set("frame", opened.frame_id);
      const hash = remember(opened.frame_id, secret) ? url.hash : `#${FRAGMENT}${encodeURIComponent(secret)}`;
      history.replaceState(history.state, "", url.pathname + url.search + hash);
    } else {
      secret = recall(url.searchParams.get("frame") || "");
      if (!secret) {
        showExpired();
        return null;
      }
    }
  }
  try {
    return await call("GET", "/web/api/viewer/");
  } catch {
    showExpired();
    return null;
  }
}

// An address of another page of this app, carrying the frame's name and language along.
export function pageUrl(path) {
  const url = new URL(path, location.origin);
  const here = new URLSearchParams(location.search);
  for (const name of ["frame", "language"]) {
    if (here.get(name)) url.searchParams.set(name, here.get(name));
  }
  const carried = location.hash.startsWith(`#${FRAGMENT}`) ? location.hash : "";
  return url.pathname + url.search + carried;
}
