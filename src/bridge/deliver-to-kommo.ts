/**
 * Delivery of one marketplace message to Kommo (docs/architecture.md, Inbound step 3). Idempotent: if a previous
 * attempt reached Kommo but the process died before recording it, Kommo refuses the repeated msgid and we count that
 * as delivered — so a crash never produces a duplicate in the chat. The lead's tags do not depend on seeing that
 * first answer either (see findChat and `wantsTags`).
 */

import type { BuyerPlatform, SourceKind } from "../domain/index.js";
import { isDuplicateError } from "./error-policy.js";
import { ENRICH_LEAD } from "./job-kinds.js";
import { buyerParticipant, kommoMessagePayload } from "./kommo-message.js";
import { shopSourceId } from "./lead-sources.js";
import type { BridgeMetrics } from "./metrics.js";
import { noteBuyerMessage, type OrderNoteDeps } from "./order-note.js";
import type { KommoNewMessagePayload, KommoParticipant, KommoSendResult } from "./ports.js";
import type { ReplyGuardHooks } from "./reply-guard.js";
import type { EngineStore, EngineStoreTx, InboundRecord, RoomRecord } from "./store-port.js";
import type { InboundContentJson } from "./sync-room.js";
import { MARKETPLACE_NAME, type ShopBinding, shopKey, shopNotConfigured, type Topology } from "./topology.js";

export interface DeliverDeps {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  now: () => number;
  /** Told of every message handed to Kommo, by ids only (the daemon logs one line each; never the content). */
  onDelivered?: (ids: DeliveredIds) => void;
  /** The orders note on leads (absent: none). */
  orders?: OrderNoteDeps;
  /** The reply-time guard: a buyer message starts a wait, a shop message typed in Seller Center ends it. */
  guard?: ReplyGuardHooks;
}

/** What names one delivered message in the log: ids only, never its content or the buyer's name. */
export interface DeliveredIds {
  direction: "to-kommo" | "to-marketplace";
  source: string;
  shop: string;
  room: string;
  /** Kommo's id of the message: the msgid the bridge gave a buyer's message, or the manager's reply's id. */
  message: string;
}

function roomBuyer(room: RoomRecord | undefined, msg: InboundRecord): KommoParticipant {
  return buyerParticipant(msg.source, {
    id: room?.buyerId ?? `room-${msg.roomId}`,
    name: room?.buyerName,
    avatarUrl: room?.buyerAvatar,
    profileUrl: room?.buyerProfileUrl,
  });
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
  const msg = await store.getInbound(inboundId);
  if (!msg || msg.state === "delivered") return;
  const shop = topology.shop(msg.source, msg.shopId);
  if (!shop) throw shopNotConfigured(msg.source, msg.shopId);
  const room = await store.getRoom(msg);
  const content = JSON.parse(msg.contentJson) as InboundContentJson;
  const fromShop = msg.sender === "shop";
  const buyer = roomBuyer(room, msg);
  const payload = kommoMessagePayload({
    source: msg.source,
    shopId: msg.shopId,
    roomId: msg.roomId,
    msgid: msg.kommoMsgId,
    sentAt: msg.sentAt,
    fromShop,
    shopSenderName: content.senderName || shop.shopName,
    buyer,
    content: content.content,
    // Messages typed by the shop outside Kommo (Seller Center) are mirrored silently: no lead, no notification.
    silent: fromShop,
    sourceExternalId: shopSourceId(shop),
  });
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
  await tellGuard(deps, msg, chatId, room);
  const newChatId = !room?.amojoChatId ? chatId : undefined;
  const tag = wantsTags && chatId !== undefined;
  if (!newChatId && !tag) {
    // The common case: nothing to record but "delivered". Batched (see EngineStore.writeBehind): a crash before
    // the batch commits makes this job run again, and Kommo's refusal of the repeated msgid then records it.
    store.writeBehind((tx) => tx.markInboundDelivered(msg.id, amojo));
  } else {
    // The chat's first known delivery, or the lead's tagging: committed now, not behind.
    await store.transaction(async (tx) => {
      await tx.markInboundDelivered(msg.id, amojo);
      if (newChatId) await tx.setAmojoChatId(msg, newChatId);
      if (tag && chatId)
        await queueLeadEnrichment(tx, msg, chatId, leadTags(shop.shopName, msg.source, room), deps.now());
    });
  }
  if (!fromShop && chatId && room?.buyerId) await noteOrdersOf(deps, msg, content, room.buyerId, chatId);
  deps.metrics.messagesIn.inc({ source: msg.source, shop: msg.shopId });
  deps.onDelivered?.({
    direction: "to-kommo",
    source: msg.source,
    shop: msg.shopId,
    room: msg.roomId,
    message: msg.kommoMsgId,
  });
}

/** Queues the lead's enrichment (ENRICH_LEAD, once per room), in the transaction that records the delivery. */
async function queueLeadEnrichment(
  tx: EngineStoreTx,
  msg: InboundRecord,
  chatId: string,
  tags: string[],
  now: number,
): Promise<void> {
  await tx.markLeadTagsQueued(msg);
  await tx.enqueue(
    {
      kind: ENRICH_LEAD,
      orderingKey: `enrich:${chatId}`,
      shopKey: shopKey(msg.source, msg.shopId),
      payload: { amojoChatId: chatId, tags, roomId: msg.roomId },
    },
    now,
  );
}

/**
 * The reply-time guard hears of the delivery: a buyer's message starts a wait, a shop message typed in Seller Center
 * ends one. Before the message is marked delivered: a crash in between runs the job again (both are idempotent).
 */
async function tellGuard(
  deps: DeliverDeps,
  msg: InboundRecord,
  chatId: string | undefined,
  room: RoomRecord | undefined,
): Promise<void> {
  if (msg.sender === "shop") await deps.guard?.replied(msg, msg.sentAt);
  else if (msg.sender === "buyer") {
    await deps.guard?.buyerWrote(msg, {
      sentAt: msg.sentAt,
      ...(chatId ? { amojoChatId: chatId } : {}),
      ...(room?.buyerName ? { buyerName: room.buyerName } : {}),
    });
  }
}

/** A buyer's delivered message may refresh the lead's orders note (its first, or one after a quiet spell). */
async function noteOrdersOf(
  deps: DeliverDeps,
  msg: InboundRecord,
  content: InboundContentJson,
  buyerId: string,
  amojoChatId: string,
): Promise<void> {
  if (!deps.orders) return;
  const shared = content.content.kind === "order" && content.content.code ? content.content.code : undefined;
  await noteBuyerMessage(deps.orders, {
    ...msg,
    buyerId,
    amojoChatId,
    ...(shared ? { invoiceCode: shared } : {}),
  });
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
      ...(payload.source ? { sourceExternalId: payload.source.external_id } : {}),
      user: { id: buyer.id, name: buyer.name, ...(buyer.avatar ? { avatar: buyer.avatar } : {}) },
    });
    return chat.amojoChatId || undefined;
  } catch {
    return undefined;
  }
}
