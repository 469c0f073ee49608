import { shopKey as keyOfShop, type SourceKind } from "../domain/marketplace.js";

/**
 * How the store names things. Every marketplace conversation is addressed by (source, shopId, roomId); ids are
 * strings (Tokopedia ids exceed 2^31, TikTok Shop ids exceed 2^53). Times everywhere are ms since the epoch.
 */
export interface RoomKey {
  source: SourceKind;
  shopId: string;
  roomId: string;
}

export interface ShopRef {
  source: SourceKind;
  shopId: string;
}

/** `source:shop_id`: the key of per-shop status and job counts (jobs.shop_key). */
export function shopKey(shop: ShopRef): string {
  return keyOfShop(shop.source, shop.shopId);
}

/**
 * The lanes of the outbox. Each lane of each conversation is one ordering key, so (for one room) deliveries to
 * Kommo run in message order, replies to the marketplace run in reply order, and two syncs of a room never overlap;
 * but a slow marketplace never holds up messages going to Kommo (and vice versa).
 */
export type JobLane = "to_kommo" | "to_marketplace" | "sync";

/** Ordering key of one lane of one conversation, e.g. `to_kommo:tokopedia:481154:7799`. */
export function orderingKey(lane: JobLane, room: RoomKey): string {
  return `${lane}:${room.source}:${room.shopId}:${room.roomId}`;
}

/** Ordering key for a Kommo reply whose marketplace room is not known (delivery will fail visibly anyway). */
export function orderingKeyForConversation(lane: JobLane, conversationId: string): string {
  return `${lane}:conversation:${conversationId}`;
}
