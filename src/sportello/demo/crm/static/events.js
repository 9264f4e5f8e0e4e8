// The iframe's events (the guide's step 4), read defensively: their data may gain fields, and a
// message that is not one of them is shown as such rather than breaking the page.

function count(list, one, many) {
  const n = Array.isArray(list) ? list.length : 0;
  return `${n} ${n === 1 ? one : many}`;
}

function contactName(chat) {
  const contact = chat && typeof chat === "object" ? chat.contact : null;
  if (!contact || typeof contact !== "object") return "an unknown contact";
  const name = [contact.first_name, contact.last_name].filter((part) => typeof part === "string" && part).join(" ");
  return name || String(contact.phone ?? "an unknown contact");
}

// One line a person can read at a glance in the log.
export function summarize(eventType, data) {
  const d = data && typeof data === "object" ? data : {};
  switch (eventType) {
    case "hasUnreadChatsChanged":
      return d.hasUnreadChats ? "there are unread chats" : "no unread chats";
    case "chatsChanged":
      return `${count(d.chats, "chat", "chats")} on page ${d.page ?? "?"}${d.hasFilters ? ", filtered" : ""}`;
    case "chatMessagesChanged":
      return `${count(d.messages, "message", "messages")} on page ${d.page ?? "?"} of the chat with ${contactName(d.chat)}`;
    default:
      return "not an event the guide documents";
  }
}

// `{eventType, data}` from a message that came from the APP origin; null for anything else.
export function readEvent(event, appOrigin) {
  if (event.origin !== appOrigin) return null;
  const message = event.data;
  if (!message || typeof message !== "object" || typeof message.eventType !== "string") return null;
  return { eventType: message.eventType, data: message.data };
}
