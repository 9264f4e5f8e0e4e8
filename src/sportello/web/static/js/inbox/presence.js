// Colleagues in this chat: who else has it open and who is typing, told over the live socket and
// never stored, so two agents do not answer the same customer at once. This page says "viewing"
// while the chat is in front (again every 30 s, and at once to a colleague who just came), "typing"
// at most every 3 s while the agent types, and "away" when it leaves. A colleague's notice holds
// for its `ttl` unless said again; the line replaces the phone under the name, as WhatsApp does.
import { language, t } from "../i18n.js";
import { LIVE_STATE_EVENT, PRESENCE_EVENT, sendLive } from "./live.js";

const VIEWING_EVERY_MS = 30000;
const TYPING_EVERY_MS = 3000;

export function startPresence({ chatUuid, line, input }) {
  const others = new Map(); // user id → { name, viewingUntil, typingUntil }
  let typingSaidAt = 0;
  let expiry = null;
  const inFront = () => document.visibilityState === "visible";
  const say = (state) => sendLive({ type: "presence", chat_uuid: chatUuid, state });
  const names = (list) => new Intl.ListFormat(language, { type: "conjunction" }).format(list);

  function render() {
    const now = Date.now();
    for (const [id, who] of others) if (who.viewingUntil <= now && who.typingUntil <= now) others.delete(id);
    const present = [...others.values()];
    const typing = present.filter((who) => who.typingUntil > now).map((who) => who.name);
    const here = present.map((who) => who.name);
    let text = "";
    if (typing.length) text = t(`presence.typing_${typing.length === 1 ? "one" : "many"}`, { names: names(typing) });
    else if (here.length) text = t(`presence.here_${here.length === 1 ? "one" : "many"}`, { names: names(here) });
    if (line.textContent !== text) line.textContent = text;
    line.hidden = !text;
    clearTimeout(expiry);
    const due = present.flatMap((who) => [who.viewingUntil, who.typingUntil]).filter((at) => at > now);
    if (due.length) expiry = setTimeout(render, Math.min(...due) - now + 20);
  }

  document.addEventListener(PRESENCE_EVENT, ({ detail }) => {
    if (detail.chat_uuid !== chatUuid || !detail.user) return;
    const now = Date.now();
    const id = detail.user.id;
    const came = !others.has(id);
    if (detail.state === "away") {
      others.delete(id);
    } else {
      const who = others.get(id) ?? { name: detail.user.name, viewingUntil: 0, typingUntil: 0 };
      who.name = detail.user.name;
      who.viewingUntil = Math.max(who.viewingUntil, now + detail.ttl * 1000);
      // Typing holds a short while; "viewing" after it means they stopped (sent, or cleared the box).
      who.typingUntil = detail.state === "typing" ? now + detail.ttl * 1000 : 0;
      others.set(id, who);
      if (came && inFront()) say("viewing");
    }
    render();
  });

  input?.addEventListener("input", () => {
    const now = Date.now();
    if (input.value.trim()) {
      if (now - typingSaidAt >= TYPING_EVERY_MS) {
        typingSaidAt = now;
        say("typing");
      }
    } else if (typingSaidAt) {
      typingSaidAt = 0;
      say("viewing");
    }
  });
  const sayWhereAmI = () => say(inFront() ? "viewing" : "away");
  document.addEventListener(LIVE_STATE_EVENT, ({ detail }) => {
    if (detail.state === "live") sayWhereAmI();
  });
  document.addEventListener("visibilitychange", sayWhereAmI);
  window.addEventListener("pagehide", () => say("away"));
  setInterval(() => inFront() && say("viewing"), VIEWING_EVERY_MS);
  sayWhereAmI();
}
