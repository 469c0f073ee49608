/**
 * Kommo-side identities of marketplace objects (docs/architecture.md, Identities). They are stable across restarts
 * and across the two sources, and they are what makes redelivery safe: Kommo rejects a second message with the same
 * msgid, and the bridge finds its conversation again from the conversation_id a Kommo reply carries.
 */
import type { SourceKind } from "../domain/index.js";

const PREFIX: Record<SourceKind, string> = { tokopedia: "tkp", tiktokshop: "tts" };

export function conversationId(source: SourceKind, shopId: string, roomId: string): string {
  return `${PREFIX[source]}:${shopId}:${roomId}`;
}

export function buyerSenderId(source: SourceKind, buyerId: string): string {
  return `${PREFIX[source]}:user:${buyerId}`;
}

/** Sender id of the shop itself, used for silent outgoing imports (replies typed in Seller Center). */
export function shopSenderId(source: SourceKind, shopId: string): string {
  return `${PREFIX[source]}:shop:${shopId}`;
}

/**
 * One msgid per marketplace message: Tokopedia reply ids are only unique within a room, TikTok Shop message ids
 * are global.
 */
export function kommoMsgId(source: SourceKind, shopId: string, roomId: string, messageId: string): string {
  return source === "tokopedia" ? `tkp:${shopId}:${roomId}:${messageId}` : `tts:${shopId}:${messageId}`;
}

export interface ParsedConversationId {
  source: SourceKind;
  shopId: string;
  roomId: string;
}

/** Inverse of conversationId; undefined for ids the bridge did not make (e.g. "write first" chats). */
export function parseConversationId(id: string | undefined): ParsedConversationId | undefined {
  if (!id) return undefined;
  const m = /^(tkp|tts):([^:]+):([^:]+)$/.exec(id);
  if (!m || m[2] === "user" || m[2] === "shop") return undefined;
  return { source: m[1] === "tkp" ? "tokopedia" : "tiktokshop", shopId: m[2]!, roomId: m[3]! };
}
