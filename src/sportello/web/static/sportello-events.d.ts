// The events a Sportello page sends to the page that embeds it (CONTRACT §4), and the shapes they
// carry. `Chat` and `Message` are the same objects as the REST API's (JSON Schema:
// sportello/schemas/chat.v1.json and message.v1.json). Fields may be added in later versions,
// never removed.
//
//   window.addEventListener("message", (event: MessageEvent<SportelloEvent>) => {
//     if (event.origin !== "https://sportello.example.com") return;
//     if (event.data.eventType === "hasUnreadChatsChanged") badge(event.data.data.unreadCount);
//   });

export type Direction = "Inbound" | "Outbound";
export type MessageType = "Message" | "Template" | "Note";
export type SendStatus = "Pending" | "Sent" | "Delivered" | "Read" | "Error" | "Received";

export interface AssignedOperator {
  id: number;
  email: string;
  name: string;
  role: string;
}

export interface Contact {
  id: number;
  /** E.164, with the +; empty for a WhatsApp user known only by user id (a username user). */
  phone: string;
  /** WhatsApp's business-scoped user id (BSUID), empty until Meta tells it. */
  user_id?: string;
  /** The WhatsApp username the person chose, empty if none. */
  username?: string;
  first_name: string;
  last_name: string;
  email: string;
  language: string;
  status: string;
  is_blocked: boolean;
  /** 32 lowercase hex characters. */
  chat_uuid: string;
  /** `{APP}/chats/<chat_uuid>`: open it in the iframe. */
  chat_link: string;
  role_set: AssignedOperator[];
  tag_set: string[];
  list_set: string[];
  created_datetime: string;
}

export interface MediaFile {
  uuid: string;
  kind: string;
  mime_type: string;
  filename: string;
  size: number | null;
  status: string;
  url: string;
}

/** The message a reply answers (or a reaction is for), when it is in the chat. */
export interface QuotedMessage {
  uuid: string;
  direction: Direction;
  content_type: string;
  text: string;
}

/** The team member who sent a message or wrote a note from Sportello. */
export interface MessageSender {
  id: number;
  name: string;
}

export interface Message {
  uuid: string;
  chat_uuid: string;
  chat_link: string;
  direction: Direction;
  type: MessageType;
  /** Text, Image, Document, Audio, Video, Sticker, Location, Contacts, Interactive, List, Button, Reaction, Template… */
  content_type: string;
  text: string;
  content: Record<string, unknown>;
  send_status: SendStatus;
  sent_datetime: string | null;
  delivered_datetime: string | null;
  read_datetime: string | null;
  error_code: number | null;
  send_error_message: string;
  /** Meta's id of the message this one answers. */
  reply_to: string | null;
  quoted?: QuotedMessage | null;
  sender?: MessageSender | null;
  template: number | null;
  mediamessage_set: MediaFile[];
  created_datetime: string;
  /** The customer's BSUID as Meta gave it with this message or its status. */
  user_id?: string;
  /** The customer's WhatsApp username with this message, if any. */
  username?: string;
  /** The click-to-WhatsApp ad (or post) the customer tapped before writing; null otherwise. */
  referral?: MessageReferral | null;
  /** The reactions that stand on this message: a new one replaces the customer's last, a removed one is gone. */
  reactions?: MessageReaction[];
  /** The buttons the customer sees under this message (a template's, or an interactive message's). */
  buttons?: MessageButton[];
}

/** Meta's `referral` of a message that followed a tap on an ad; a field Meta left out is "". */
export interface MessageReferral {
  source_url?: string;
  source_id?: string;
  /** "ad" or "post". */
  source_type?: string;
  headline?: string;
  body?: string;
  /** "image" or "video". */
  media_type?: string;
  image_url?: string;
  video_url?: string;
  thumbnail_url?: string;
  /** Meta's click id, for its Conversions API. */
  ctwa_clid?: string;
  /** The ad's greeting text. */
  welcome_message?: string;
}

export interface MessageReaction {
  /** Inbound: the customer's. */
  direction: Direction;
  emoji: string;
  reacted_datetime: string | null;
}

export interface MessageButton {
  type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER";
  text: string;
  /** A link button's address, its variable filled as sent. */
  url?: string;
  phone_number?: string;
}

export interface Chat {
  uuid: string;
  chat_link: string;
  contact: Contact;
  last_message: Message | null;
  has_unread_messages: boolean;
  unread_count: number;
  operators: AssignedOperator[];
  tags: string[];
  /** Free text is allowed until then (24 hours after the customer last wrote); then templates only. */
  window_closes_datetime: string | null;
  updated_datetime: string;
  /** The customer's WhatsApp user id (BSUID), empty until Meta tells it. */
  user_id?: string;
  /** The customer's WhatsApp username, empty if none. */
  username?: string;
}

/** What a live event is about (`schemas/live-event.v1.json`). */
export type LiveEventKind = "message" | "chat" | "chat_removed" | "chats" | "template" | "payment";

/** One change as the pages' live socket (`/web/live/`) receives it, numbered per account in commit
 * order. `data` is the change in the shape the reads give it: a `Message`, a `Chat`, `{uuid}` for
 * `chat_removed`, a template, a payment request; absent for `chats` (many chats changed: ask again). */
export interface LiveEvent {
  id: number;
  kind: LiveEventKind;
  chat_uuid: string;
  ref: string;
  data?: Message | Chat | { uuid: string } | Record<string, unknown> | null;
  /** `chat` only: +1 the chat became unread, -1 it became read, 0 neither. */
  unread_delta?: number | null;
}

/** Every page: whether any chat the signed-in user may see has unread messages. */
export interface HasUnreadChatsChanged {
  eventType: "hasUnreadChatsChanged";
  data: {
    hasUnreadChats: boolean;
    /** Added by Sportello (the guide's event has only `hasUnreadChats`): how many chats the frame may
     * see have unread messages, for a host that shows a number or notifies its user. Sent again when
     * it changes, even if `hasUnreadChats` does not. */
    unreadCount: number;
  };
}

/** `chats`: the page of chats shown, whether filters or a search are on, and the page number (from 1). */
export interface ChatsChanged {
  eventType: "chatsChanged";
  data: { chats: Chat[]; hasFilters: boolean; page: number };
}

/** `chats/<uuid>`: the chat, how many pages of history are loaded, and the loaded messages, newest first. */
export interface ChatMessagesChanged {
  eventType: "chatMessagesChanged";
  data: { chat: Chat; page: number; messages: Message[] };
}

/** Every page of a frame whose session ended while it was open (a new private key, a revoked API key,
 * a removed user, or simply expired): the frame shows "session expired"; mint a new token and reload
 * it. Sent once, within about a second of the end, only to the key's allowed origins. */
export interface SessionExpired {
  eventType: "sessionExpired";
  data: Record<string, never>;
}

export type SportelloEvent = HasUnreadChatsChanged | ChatsChanged | ChatMessagesChanged | SessionExpired;
