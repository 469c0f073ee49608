/** Customer Service API 202309 shapes, read defensively (docs/platforms/tiktokshop.md#conversations-and-messages). */
import { asRecord, idField, numField, strField } from "./json.js";

export type TtsRole = "BUYER" | "SHOP" | "CUSTOMER_SERVICE" | "SYSTEM" | "ROBOT" | string;

export interface TtsParticipant {
  imUserId?: string;
  userId?: string;
  role: TtsRole;
  nickname?: string;
  avatar?: string;
  /** Indonesia only, BUYER only: TOKOPEDIA or TIKTOK_SHOP. */
  buyerPlatform?: string;
}

export interface TtsMessage {
  id: string;
  type: string;
  /** JSON document serialized into a string; parse per type. */
  content: string;
  /** Unix seconds. */
  createTime: number;
  isVisible: boolean;
  sender: TtsParticipant;
  index?: string;
}

export interface TtsConversation {
  id: string;
  participantCount?: number;
  canSendMessage: boolean;
  unreadCount: number;
  createTime: number;
  participants: TtsParticipant[];
  latestMessage?: TtsMessage;
}

/** A shop the client may act for: which seller's token, and the cipher that scopes each call. */
export interface ShopAccess {
  shopId: string;
  openId: string;
  cipher: string;
}

export function readParticipant(v: unknown): TtsParticipant | undefined {
  const o = asRecord(v);
  if (!o) return undefined;
  const p: TtsParticipant = { role: strField(o, "role") ?? "UNKNOWN" };
  const imUserId = idField(o, "im_user_id");
  const userId = idField(o, "user_id");
  const nickname = strField(o, "nickname");
  const avatar = strField(o, "avatar");
  const platform = strField(o, "buyer_platform");
  if (imUserId) p.imUserId = imUserId;
  if (userId) p.userId = userId;
  if (nickname) p.nickname = nickname;
  if (avatar) p.avatar = avatar;
  if (platform) p.buyerPlatform = platform;
  return p;
}

/** Reads a message; `idKey` is `id` in listings and `message_id` in webhook 14. */
export function readMessage(v: unknown, idKey = "id"): TtsMessage | undefined {
  const o = asRecord(v);
  const id = idField(o, idKey);
  const type = strField(o, "type");
  const createTime = numField(o, "create_time");
  if (!o || !id || !type || createTime === undefined) return undefined;
  const content = o.content;
  const m: TtsMessage = {
    id,
    type,
    content: typeof content === "string" ? content : JSON.stringify(content ?? {}),
    createTime,
    isVisible: o.is_visible !== false,
    sender: readParticipant(o.sender) ?? { role: "UNKNOWN" },
  };
  const index = idField(o, "index");
  if (index) m.index = index;
  return m;
}

export function readConversation(v: unknown): TtsConversation | undefined {
  const o = asRecord(v);
  const id = idField(o, "id");
  if (!o || !id) return undefined;
  const c: TtsConversation = {
    id,
    canSendMessage: o.can_send_message !== false,
    unreadCount: numField(o, "unread_count") ?? 0,
    createTime: numField(o, "create_time") ?? 0,
    participants: Array.isArray(o.participants)
      ? o.participants.map(readParticipant).filter((p): p is TtsParticipant => p !== undefined)
      : [],
  };
  const count = numField(o, "participant_count");
  if (count !== undefined) c.participantCount = count;
  const latest = readMessage(o.latest_message);
  if (latest) c.latestMessage = latest;
  return c;
}

/** Oldest first: by create_time, then by index compared as an integer (ids exceed 2^53). */
export function compareMessages(a: TtsMessage, b: TtsMessage): number {
  if (a.createTime !== b.createTime) return a.createTime - b.createTime;
  const ai = bigOrZero(a.index ?? a.id);
  const bi = bigOrZero(b.index ?? b.id);
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

function bigOrZero(s: string): bigint {
  return /^\d+$/.test(s) ? BigInt(s) : 0n;
}
