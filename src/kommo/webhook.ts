/**
 * Kommo reply webhook (docs/platforms/kommo.md#reply-webhook): a manager or Salesbot wrote in a chat of our channel.
 * Kommo POSTs it once, never retries, and wants 200 within 5 s: verify, parse, store, answer, then work.
 *
 * Signature: X-Signature = lowercase hex HMAC-SHA1(channel secret, raw body), nothing else signed. We verify the
 * raw bytes exactly as received (no trimming, no re-serialisation).
 */
import { TkError } from "../errors/index.js";
import { AMOJO_MESSAGE_TYPES, type AmojoMessageType } from "./chats-types.js";
import { hexEquals, hmacSha1Hex } from "./signing.js";

/** Constant-time check of the X-Signature header against the raw body. */
export function verifyKommoWebhook(
  secret: string,
  rawBody: Uint8Array | string,
  headerValue: string | undefined,
): boolean {
  if (!secret || !headerValue) return false;
  return hexEquals(hmacSha1Hex(secret, rawBody), headerValue);
}

/** A reply's message type: the Chats API's message types. */
export type KommoReplyType = AmojoMessageType;

const REPLY_TYPES = new Set<string>(AMOJO_MESSAGE_TYPES);

export interface KommoReplyMessage {
  type: KommoReplyType;
  /** May be "" for media. */
  text: string;
  /** Media URL (picture/file/video/voice/audio/sticker). */
  media?: string;
  thumbnail?: string;
  fileName?: string;
  fileSize?: number;
  location?: { lon: number; lat: number };
  contact?: { name: string; phone: string };
}

/** A manager's or Salesbot's message in one of our chats. */
export interface KommoReplyWebhook {
  kind: "message";
  /** Account amojo id. */
  accountId: string;
  /** Webhook generation time, unix seconds. */
  time: number;
  /** Our conversation_id; absent for "write first" chats started from Kommo. */
  conversationClientId?: string;
  amojoChatId: string;
  /** Use it for delivery statuses; unique per reply (the bridge's dedup key). */
  amojoMessageId: string;
  /** Message time in ms. */
  timestampMs: number;
  sender: { amojoId: string; name: string };
  receiver: { amojoId: string; clientId?: string; name?: string; phone?: string; email?: string };
  sourceExternalId?: string;
  /** Several attachments of one reply arrive as several hooks sharing this id. */
  mediaGroupId?: string;
  message: KommoReplyMessage;
}

/** Typing / reaction hooks share the URL and signature; the bridge ignores them. */
export interface KommoOtherWebhook {
  kind: "other";
  action: "typing" | "reaction" | "unknown";
  accountId?: string;
  amojoChatId?: string;
  conversationClientId?: string;
}

export type KommoWebhookEvent = KommoReplyWebhook | KommoOtherWebhook;

type Obj = Record<string, unknown>;

function malformed(reason: string): TkError {
  return new TkError("TK_ERR_WEBHOOK_MALFORMED", `Kommo webhook is malformed: ${reason}.`, {
    fix: "Usually a proxy rewriting bodies; check the reverse proxy passes the body through unchanged.",
    details: { platform: "kommo", reason, retryable: false },
  });
}

function obj(v: unknown): Obj | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}
function optStr(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
/** A finite number (JSON.parse reads 1e999 as Infinity), else undefined. */
function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
/**
 * A required id. Ids go into amojo URL paths, where a lone surrogate (a JSON escape like "\ud800") makes
 * encodeURIComponent throw, so such an id is malformed here rather than a failing job later.
 */
function reqStr(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") throw malformed(`${where}.${key} is missing`);
  if (!isWellFormed(v)) throw malformed(`${where}.${key} is not well-formed text`);
  return v;
}
/** An optional id: absent when empty, malformed when not well-formed text (see reqStr). */
function optId(v: unknown, where: string): string | undefined {
  const s = optStr(v);
  if (s !== undefined && !isWellFormed(s)) throw malformed(`${where} is not well-formed text`);
  return s;
}
function finiteOr(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}
function isWellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}

export function parseKommoWebhook(rawBody: Uint8Array | string): KommoWebhookEvent {
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  let root: Obj | undefined;
  try {
    root = obj(JSON.parse(text));
  } catch {
    throw malformed("body is not JSON");
  }
  if (!root) throw malformed("body is not a JSON object");

  const outer = obj(root.message);
  if (!outer) {
    const action = obj(root.action);
    if (!action) throw malformed("neither message nor action present");
    const inner = obj(action.typing) ?? obj(action.reaction);
    const conv = obj(inner?.conversation);
    const chat = optStr(conv?.id);
    const client = optStr(conv?.client_id);
    const account = optStr(root.account_id);
    return {
      kind: "other",
      action: action.typing ? "typing" : action.reaction ? "reaction" : "unknown",
      ...(account ? { accountId: account } : {}),
      ...(chat ? { amojoChatId: chat } : {}),
      ...(client ? { conversationClientId: client } : {}),
    };
  }

  const accountId = reqStr(root, "account_id", "");
  const conversation = obj(outer.conversation);
  if (!conversation) throw malformed("message.conversation is missing");
  const sender = obj(outer.sender);
  if (!sender) throw malformed("message.sender is missing");
  const receiver = obj(outer.receiver);
  if (!receiver) throw malformed("message.receiver is missing");
  const m = obj(outer.message);
  if (!m) throw malformed("message.message is missing");
  const type = m.type;
  if (typeof type !== "string" || !REPLY_TYPES.has(type)) throw malformed("message.message.type is unknown");

  const seconds = num(outer.timestamp);
  const ms = num(outer.msec_timestamp);
  const time = num(root.time) ?? seconds ?? 0;
  const clientId = optId(conversation.client_id, "message.conversation.client_id");
  const source = optStr(obj(outer.source)?.external_id);
  const mediaGroup = optStr(m.media_group_id);

  return {
    kind: "message",
    accountId,
    time,
    ...(clientId ? { conversationClientId: clientId } : {}),
    amojoChatId: reqStr(conversation, "id", "message.conversation"),
    amojoMessageId: reqStr(m, "id", "message.message"),
    timestampMs: ms ?? finiteOr((seconds ?? time) * 1000, 0),
    sender: { amojoId: reqStr(sender, "id", "message.sender"), name: optStr(sender.name) ?? "" },
    receiver: {
      amojoId: reqStr(receiver, "id", "message.receiver"),
      ...pick(receiver, { client_id: "clientId", name: "name", phone: "phone", email: "email" }),
    },
    ...(source ? { sourceExternalId: source } : {}),
    ...(mediaGroup ? { mediaGroupId: mediaGroup } : {}),
    message: parseContent(type as KommoReplyType, m),
  };
}

function pick(o: Obj, names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(names)) {
    const v = optStr(o[from]);
    if (v) out[to] = v;
  }
  return out;
}

function parseContent(type: KommoReplyType, m: Obj): KommoReplyMessage {
  const text = typeof m.text === "string" ? m.text : "";
  if (type === "text" && typeof m.text !== "string") throw malformed("message.message.text is missing");
  const media = optStr(m.media);
  const thumbnail = optStr(m.thumbnail);
  const fileName = optStr(m.file_name);
  const fileSize = typeof m.file_size === "number" && m.file_size > 0 ? m.file_size : undefined;
  const loc = obj(m.location);
  const contact = obj(m.contact);
  const out: KommoReplyMessage = {
    type,
    text,
    ...(media ? { media } : {}),
    ...(thumbnail ? { thumbnail } : {}),
    ...(fileName ? { fileName } : {}),
    ...(fileSize !== undefined ? { fileSize } : {}),
  };
  if (loc && typeof loc.lon === "number" && typeof loc.lat === "number") {
    out.location = { lon: loc.lon, lat: loc.lat };
  }
  if (contact && typeof contact.name === "string" && typeof contact.phone === "string") {
    out.contact = { name: contact.name, phone: contact.phone };
  }
  const needsMedia = type !== "text" && type !== "location" && type !== "contact" && type !== "sticker";
  if (needsMedia && !media) throw malformed(`message.message.media is missing for a ${type}`);
  return out;
}
