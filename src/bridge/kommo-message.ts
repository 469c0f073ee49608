/**
 * The amojo `new_message` payload of one marketplace message, one way for live sync and for the history import,
 * so both send the same ids (msgid, conversation, sender) and Kommo de-duplicates across them.
 */
import type { SourceKind } from "../domain/index.js";
import type { MessageContent } from "../domain/message-content.js";
import { buyerSenderId, conversationId, shopSenderId } from "./identities.js";
import type { KommoNewMessagePayload, KommoParticipant } from "./ports.js";
import { renderInbound } from "./render-inbound.js";
import { MARKETPLACE_NAME } from "./topology.js";

/** The buyer as a Kommo participant; a buyer the bridge could not name yet reads as "<Marketplace> buyer <id>". */
export function buyerParticipant(
  source: SourceKind,
  buyer: {
    id: string;
    name?: string | undefined;
    avatarUrl?: string | undefined;
    profileUrl?: string | undefined;
  },
): KommoParticipant {
  return {
    id: buyerSenderId(source, buyer.id),
    name: buyer.name || `${MARKETPLACE_NAME[source]} buyer ${buyer.id}`,
    ...(buyer.avatarUrl ? { avatar: buyer.avatarUrl } : {}),
    ...(buyer.profileUrl ? { profile_link: buyer.profileUrl } : {}),
  };
}

export interface KommoMessageInput {
  source: SourceKind;
  shopId: string;
  roomId: string;
  msgid: string;
  sentAt: number;
  /** Written by the shop (Seller Center, or our mirrored side) rather than the buyer. */
  fromShop: boolean;
  /** The shop side's display name: the agent's name when the platform gives one, else the shop's. */
  shopSenderName: string;
  buyer: KommoParticipant;
  content: MessageContent;
  /** No incoming lead, no notification. */
  silent: boolean;
  /** The shop's Kommo lead source (lead-sources.ts): its incoming lead lands in the shop's pipeline. */
  sourceExternalId?: string | undefined;
}

export function kommoMessagePayload(m: KommoMessageInput): KommoNewMessagePayload {
  return {
    timestamp: Math.floor(m.sentAt / 1000),
    msec_timestamp: m.sentAt,
    msgid: m.msgid,
    conversation_id: conversationId(m.source, m.shopId, m.roomId),
    silent: m.silent,
    ...(m.sourceExternalId ? { source: { external_id: m.sourceExternalId } } : {}),
    sender: m.fromShop ? { id: shopSenderId(m.source, m.shopId), name: m.shopSenderName } : m.buyer,
    ...(m.fromShop ? { receiver: m.buyer } : {}),
    message: renderInbound(m.content),
  };
}
