/**
 * Delivery of one marketplace message to Kommo (docs/architecture.md, Inbound step 3). Idempotent: if a previous
 * attempt reached Kommo but the process died before recording it, Kommo refuses the repeated msgid and we count that
 * as delivered — so a crash never produces a duplicate in the chat. The lead's tags do not depend on seeing that
 * first answer either (see findChat and `wantsTags`).
 */

import type { BuyerPlatform, SourceKind } from "../domain/index.js";
import { isDuplicateError } from "./error-policy.js";
import { buyerSenderId, conversationId, shopSenderId } from "./identities.js";
import { ENRICH_LEAD } from "./job-kinds.js";
import type { BridgeMetrics } from "./metrics.js";
import { noteBuyerMessage, type OrderNoteDeps } from "./order-note.js";
import type { KommoNewMessagePayload, KommoParticipant, KommoSendResult } from "./ports.js";
import { renderInbound } from "./render-inbound.js";
import type { EngineStore, InboundRecord, RoomRecord } from "./store-port.js";
import type { InboundContentJson } from "./sync-room.js";
import { MARKETPLACE_NAME, type ShopBinding, shopKey, shopNotConfigured, type Topology } from "./topology.js";

export interface DeliverDeps {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  now: () => number;
  /** The orders note on leads (absent: none). */
  orders?: OrderNoteDeps;
}

function buyerParticipant(room: RoomRecord | undefined, msg: InboundRecord): KommoParticipant {
  const buyerId = room?.buyerId ?? `room-${msg.roomId}`;
  return {
    id: buyerSenderId(msg.source, buyerId),
    name: room?.buyerName || `${MARKETPLACE_NAME[msg.source]} buyer ${buyerId}`,
    ...(room?.buyerAvatar ? { avatar: room.buyerAvatar } : {}),
    ...(room?.buyerProfileUrl ? { profile_link: room.buyerProfileUrl } : {}),
  };
}

/** How the buyer's platform reads as a lead tag (TikTok Shop marks Indonesian buyers TOKOPEDIA or TIKTOK_SHOP). */
const BUYER_PLATFORM_TAG: Record<BuyerPlatform, string> = {
  TOKOPEDIA: "Tokopedia",
  TIKTOK_SHOP: "TikTok Shop",
};

/**
 * Tags of a new lead: the shop, the marketplace and, when the source says, the app the buyer wrote from — a
 * "Tokopedia & Shop" shop hears from both Tokopedia and TikTok buyers, and sales teams sort them apart.
 */
export function leadTags(shopName: string, source: SourceKind, room: RoomRecord | undefined): string[] {
  const tags = [shopName, MARKETPLACE_NAME[source]];
  if (room?.buyerPlatform) tags.push(BUYER_PLATFORM_TAG[room.buyerPlatform]);
  return [...new Set(tags)];
}

export async function deliverToKommo(inboundId: number, deps: DeliverDeps): Promise<void> {
  const { store, topology } = deps;
  const msg = store.getInbound(inboundId);
  if (!msg || msg.state === "delivered") return;
  const shop = topology.shop(msg.source, msg.shopId);
  if (!shop) throw shopNotConfigured(msg.source, msg.shopId);
  const room = store.getRoom(msg);
  const content = JSON.parse(msg.contentJson) as InboundContentJson;
  const buyer = buyerParticipant(room, msg);
  const fromShop = msg.sender === "shop";
  const payload: KommoNewMessagePayload = {
    timestamp: Math.floor(msg.sentAt / 1000),
    msec_timestamp: msg.sentAt,
    msgid: msg.kommoMsgId,
    conversation_id: conversationId(msg.source, msg.shopId, msg.roomId),
    // Messages typed by the shop outside Kommo (Seller Center) are mirrored silently: no lead, no notification.
    silent: fromShop,
    sender: fromShop
      ? { id: shopSenderId(msg.source, msg.shopId), name: content.senderName || shop.shopName }
      : buyer,
    ...(fromShop ? { receiver: buyer } : {}),
    message: renderInbound(content.content),
  };
  let result: KommoSendResult | undefined;
  let repeated = false;
  try {
    result = await shop.kommo.chats.sendMessage(shop.kommo.scopeId, payload);
  } catch (err) {
    if (!isDuplicateError(err)) throw err;
    repeated = true;
  }
  const amojo = {
    ...(result?.amojoMessageId ? { amojoMessageId: result.amojoMessageId } : {}),
    ...(result?.amojoChatId ? { amojoChatId: result.amojoChatId } : {}),
  };
  // The lead is tagged once per room, on a delivery of a buyer's message (the one that creates the lead, or the
  // first later one that knows the chat): not only on the chat's first answer, which can be lost.
  const wantsTags = Boolean(shop.kommo.rest) && !fromShop && room !== undefined && !room.leadTagsQueued;
  let chatId = room?.amojoChatId ?? result?.amojoChatId;
  if (!chatId && repeated && wantsTags) chatId = await findChat(shop.kommo, payload, buyer);
  const newChatId = !room?.amojoChatId ? chatId : undefined;
  const tag = wantsTags && chatId !== undefined;
  if (!newChatId && !tag) {
    // The common case: nothing to record but "delivered". Batched (see EngineStore.writeBehind): a crash before
    // the batch commits makes this job run again, and Kommo's refusal of the repeated msgid then records it.
    store.writeBehind(() => store.markInboundDelivered(msg.id, amojo));
  } else {
    // The chat's first known delivery, or the lead's tagging: committed now, not behind.
    store.transaction(() => {
      store.markInboundDelivered(msg.id, amojo);
      if (newChatId) store.setAmojoChatId(msg, newChatId);
      if (tag && chatId) {
        store.markLeadTagsQueued(msg);
        store.enqueue(
          {
            kind: ENRICH_LEAD,
            orderingKey: `enrich:${chatId}`,
            shopKey: shopKey(msg.source, msg.shopId),
            payload: { amojoChatId: chatId, tags: leadTags(shop.shopName, msg.source, room) },
          },
          deps.now(),
        );
      }
    });
  }
  if (deps.orders && !fromShop && chatId && room?.buyerId) {
    const shared =
      content.content.kind === "order" && content.content.code ? content.content.code : undefined;
    noteBuyerMessage(deps.orders, {
      ...msg,
      buyerId: room.buyerId,
      amojoChatId: chatId,
      ...(shared ? { invoiceCode: shared } : {}),
    });
  }
  deps.metrics.messagesIn.inc({ source: msg.source, shop: msg.shopId });
}

/**
 * The amojo chat of a conversation whose message Kommo already had (the answer to an earlier send was lost, so its
 * chat id was never seen): chat creation is idempotent on the conversation id and answers the existing chat. Best
 * effort: on failure the message still counts as delivered (it is in Kommo), and a later delivery, whose answer
 * carries the chat id, tags the lead instead.
 */
async function findChat(
  kommo: ShopBinding["kommo"],
  payload: KommoNewMessagePayload,
  buyer: KommoParticipant,
): Promise<string | undefined> {
  if (!kommo.chats.createChat) return undefined;
  try {
    const chat = await kommo.chats.createChat(kommo.scopeId, {
      conversationId: payload.conversation_id,
      user: { id: buyer.id, name: buyer.name, ...(buyer.avatar ? { avatar: buyer.avatar } : {}) },
    });
    return chat.amojoChatId || undefined;
  } catch {
    return undefined;
  }
}
