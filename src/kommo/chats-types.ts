/**
 * Wire shapes of the amojo `new_message` payload (docs/platforms/kommo.md#chats-api-endpoints), snake_case as sent.
 * The engine builds these (src/bridge/ports.ts KommoNewMessagePayload is structurally the same); the client
 * serialises them once and signs the exact bytes.
 */
/** The message types of the Chats API, the same both ways (messages we send, replies Kommo's webhook brings). */
export const AMOJO_MESSAGE_TYPES = [
  "text",
  "picture",
  "file",
  "video",
  "voice",
  "audio",
  "sticker",
  "location",
  "contact",
] as const;

export type AmojoMessageType = (typeof AMOJO_MESSAGE_TYPES)[number];

export interface AmojoParticipantWire {
  /** Our id for the participant (buyer `tkp:user:…`, or our id for the manager/bot on imports). */
  id: string;
  /** amojo id: for outgoing imports, the manager's user amojo_id or the channel bot id. */
  ref_id?: string;
  name: string;
  avatar?: string;
  profile?: { phone?: string; email?: string };
  profile_link?: string;
}

export interface AmojoMessageWire {
  type: AmojoMessageType;
  text?: string;
  media?: string;
  file_name?: string;
  file_size?: number;
  media_duration?: number;
  sticker_id?: string;
  location?: { lon: number; lat: number };
  contact?: { name: string; phone: string };
}

export interface AmojoNewMessagePayload {
  /** Unix seconds. */
  timestamp: number;
  /** Unix ms. */
  msec_timestamp: number;
  /** Our message id; must be unique (amojo refuses a duplicate). */
  msgid: string;
  /** Our conversation id (`tkp:{shop}:{room}`). */
  conversation_id: string;
  conversation_ref_id?: string;
  /** true = history import: no incoming lead, no notification. */
  silent?: boolean;
  source?: { external_id: string };
  sender: AmojoParticipantWire;
  /** Omit for incoming buyer messages; required for outgoing (manager/bot → buyer) imports. */
  receiver?: AmojoParticipantWire;
  message: AmojoMessageWire;
}

export interface SendMessageResult {
  /** amojo message id (response `new_message.msgid`). */
  amojoMessageId: string;
  /** amojo chat id (response `new_message.conversation_id`, per the real logs). */
  amojoChatId?: string;
  senderId?: string;
  receiverId?: string;
  /** Echo of our msgid. */
  refId: string;
}

export interface CreateChatInput {
  conversationId: string;
  sourceExternalId?: string;
  user: {
    id: string;
    name: string;
    avatar?: string;
    profile?: { phone?: string; email?: string };
    profileLink?: string;
  };
}

export interface DeliveryStatusInput {
  /** 1 delivered, 2 read, -1 error. */
  status: 1 | 2 | -1;
  /** With -1 only: 901..905; 905 needs `error` (shown to the manager). */
  errorCode?: number;
  error?: string;
}

export interface HistoryParticipant {
  id: string;
  clientId?: string;
  name?: string;
}

export interface HistoryMessage {
  timestamp: number;
  msecTimestamp?: number;
  sender?: HistoryParticipant;
  receiver?: HistoryParticipant;
  message: {
    id: string;
    clientId?: string;
    type: string;
    text: string;
    media?: string;
    fileName?: string;
  };
}
