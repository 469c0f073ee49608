/**
 * One past message sent to Kommo as history: the payload live delivery would build (same msgid, conversation and
 * participants, rendered the same way), but always `silent` — no incoming lead, no notification. Kommo refuses a
 * repeated msgid; that refusal means the message is there already (live sync or an earlier run sent it) and counts
 * as sent, so an interrupted run that sent a message but never recorded it sends nothing twice.
 */
import { isDuplicateError } from "../bridge/error-policy.js";
import { kommoMsgId } from "../bridge/identities.js";
import { buyerParticipant, kommoMessagePayload } from "../bridge/kommo-message.js";
import { shopSourceId } from "../bridge/lead-sources.js";
import type { KommoNewMessagePayload } from "../bridge/ports.js";
import type { ShopBinding } from "../bridge/topology.js";
import type { Buyer, SourceMessage } from "../sources/types.js";
import type { ImportedMessage } from "../store/imports.js";

/** The record the state file keeps of an imported message (the live sync's content JSON). */
export function importedRecord(shop: ShopBinding, m: SourceMessage): ImportedMessage {
  return {
    platformMessageId: m.messageId,
    kommoMsgid: kommoMsgId(shop.source, shop.shopId, m.roomId, m.messageId),
    sender: m.sender,
    ...(m.senderName ? { senderName: m.senderName } : {}),
    contentJson: JSON.stringify({
      content: m.content,
      ...(m.senderName ? { senderName: m.senderName } : {}),
    }),
    sentAt: m.sentAt,
  };
}

/** The silent history payload of one message: the buyer's as incoming, the shop's as the shop's own side. */
export function historyPayload(shop: ShopBinding, buyer: Buyer, m: SourceMessage): KommoNewMessagePayload {
  return kommoMessagePayload({
    source: shop.source,
    shopId: shop.shopId,
    roomId: m.roomId,
    msgid: kommoMsgId(shop.source, shop.shopId, m.roomId, m.messageId),
    sentAt: m.sentAt,
    fromShop: m.sender === "shop",
    shopSenderName: m.senderName || shop.shopName,
    buyer: buyerParticipant(shop.source, buyer),
    content: m.content,
    silent: true,
    sourceExternalId: shopSourceId(shop),
  });
}

/** Sends one message as history; the amojo ids when Kommo answered with them (none for a repeated msgid). */
export async function sendHistory(
  shop: ShopBinding,
  buyer: Buyer,
  m: SourceMessage,
): Promise<{ amojoMessageId?: string; amojoChatId?: string }> {
  try {
    const r = await shop.kommo.chats.sendMessage(shop.kommo.scopeId, historyPayload(shop, buyer, m));
    return {
      ...(r.amojoMessageId ? { amojoMessageId: r.amojoMessageId } : {}),
      ...(r.amojoChatId ? { amojoChatId: r.amojoChatId } : {}),
    };
  } catch (err) {
    if (isDuplicateError(err)) return {};
    throw err;
  }
}
