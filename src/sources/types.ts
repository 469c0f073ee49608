/**
 * The one interface the engine speaks to for any marketplace (docs/architecture.md, Layers). The engine and the
 * Kommo side never learn which source they serve: everything source-specific (ids, envelopes, signatures, rendering
 * of the platform's message kinds into neutral content) happens behind this interface.
 *
 * Ids are strings everywhere: Tokopedia ids exceed 2^31 and TikTok Shop ids exceed 2^53.
 * Times are milliseconds since the epoch.
 */

import type { Buyer, MessageContent, SenderRole, SourceKind } from "../domain/index.js";
import type { MarketplaceOrder, OrderStatusHint } from "../domain/orders.js";

export type { Buyer, BuyerPlatform, MessageContent, SenderRole, SourceKind } from "../domain/index.js";
export type { MarketplaceOrder, OrderStatusHint } from "../domain/orders.js";

/** A conversation between one buyer and one shop: Tokopedia `msg_id`, TikTok Shop `conversation_id`. */
export interface RoomRef {
  shopId: string;
  roomId: string;
}

export interface RoomSummary extends RoomRef {
  buyer: Buyer;
  /** Time of the newest message in the room (ms); used to skip rooms that did not change. */
  lastMessageAt: number;
  /** Id of the newest message, when the listing names it: a room whose newest message is stored is skipped. */
  lastMessageId?: string;
}

/** One page of a listing walked a page at a time; `nextPageToken` is absent on the walk's last page. */
export interface RoomPage {
  rooms: RoomSummary[];
  nextPageToken?: string;
}

export interface SourceMessage extends RoomRef {
  /** Stable per-message id within the room: Tokopedia `reply_id`, TikTok Shop `message_id`. */
  messageId: string;
  sentAt: number;
  sender: SenderRole;
  /** Display name of who wrote it (buyer or agent). */
  senderName?: string;
  content: MessageContent;
  /**
   * The platform's ordering key within the room, a decimal integer larger for newer messages (TikTok Shop
   * `index`), when it has one. A webhook message that carries it is the whole message, as a read would return it
   * (same id): the engine may store it without reading the room.
   */
  order?: string;
  /**
   * Not to be shown (TikTok Shop `is_visible: false`, e.g. the platform's rating request): never delivered, but it
   * is the room's newest message as the platform lists it, so the room's cursor moves onto it.
   */
  hidden?: boolean;
}

/** A webhook that passed verification, reduced to what the engine needs: a hint that a room changed. */
export interface WebhookHint extends RoomRef {
  buyer?: Buyer;
  /** Notification id when the platform gives one (used for de-duplication of redelivered webhooks). */
  notificationId?: string;
  /** The message carried by the webhook itself, delivered as a fallback if the room cannot be read. */
  fallback?: SourceMessage;
  /**
   * The webhook names the room but says nothing that needs reading it once the bridge knows it (TikTok Shop type
   * 13: an agent joined or left; any message that comes with it has its own type-14 webhook). Only a room the
   * bridge does not know yet is read.
   */
  roomOnly?: boolean;
  /** An order's status changed (TikTok Shop type 1); not about a room: roomId is "". */
  order?: OrderStatusHint;
  /** Source-specific event that is not a chat message (e.g. seller deauthorized). */
  event?: "deauthorized" | "authorization_expiring";
  /**
   * Nobody vouches for this hint (a Tokopedia app without a webhook secret: anyone who can reach the URL can send
   * it). It may only make the bridge read the room; its buyer and message are ignored, and the rooms such hints
   * create are bounded (see bridge/mark-room.ts).
   */
  unsigned?: boolean;
}

export interface ShopDescription {
  shopId: string;
  name: string;
  domain?: string;
  url?: string;
  /** Bound/authorized and usable; false with `reason` when pending or revoked. */
  active: boolean;
  reason?: string;
}

export interface SendResult {
  /** Platform id of the sent message when the platform returns one (used for echo suppression). */
  messageIds: string[];
  sentAt: number;
}

export interface MarketplaceSource {
  readonly kind: SourceKind;
  /**
   * The buyer of one room, in as few calls as the platform allows (stopping as soon as it is found); sources
   * without it are asked through listRooms.
   */
  findBuyer?(room: RoomRef): Promise<Buyer | undefined>;
  /** Rooms of a shop whose newest message is at or after `since` (ms), newest first. */
  listRooms(shopId: string, since: number): Promise<RoomSummary[]>;
  /**
   * Messages of one room strictly after `afterMessageId`/`afterTime` (both optional: the whole room),
   * oldest first. Implementations page through the platform's listing until they reach the cursor.
   */
  readMessages(room: RoomRef, after?: { messageId?: string; time?: number }): Promise<SourceMessage[]>;
  sendText(room: RoomRef, text: string): Promise<SendResult>;
  /**
   * How a reply's text is cut into the messages the platform accepts (TikTok Shop: 2,000 characters each), so the
   * engine can send and record one part at a time. Absent: the text goes as one message. Each part, passed to
   * sendText, is sent as exactly one message.
   */
  textParts?(text: string): string[];
  /** Only sources that can send pictures implement this (TikTok Shop); Tokopedia cannot. */
  sendImage?(room: RoomRef, image: { bytes: Uint8Array; contentType: string }): Promise<SendResult>;
  /** Constant-time check of the webhook signature over the exact raw body. */
  verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array): boolean;
  /** Parses a verified webhook body; throws TkError (code TK_ERR_WEBHOOK_MALFORMED) when it is not valid. */
  parseWebhook(rawBody: Uint8Array): WebhookHint[];
  describeShop(shopId: string): Promise<ShopDescription>;
  /**
   * Sources with an order API (TikTok Shop): the buyer's orders in the shop created since `sinceMs`, newest first,
   * at most one page. `buyerUserId` is the room's buyer id. Sources without one (legacy Tokopedia) omit it.
   */
  recentOrders?(shopId: string, buyerUserId: string, sinceMs: number): Promise<MarketplaceOrder[]>;
  /** Order API calls made for the shop today (sources with recentOrders). */
  orderCallsToday?(shopId: string): number;
  /** Today's calls against the shop's daily quota, for sources that have one (TikTok Shop); shown in /metrics. */
  quotaUsage?(shopId: string): { used: number; limit: number } | undefined;
  /**
   * The platform's own Customer Service figures of the shop over [from, to) (YYYY-MM-DD days), where it has them
   * (Tokopedia & Shop: one counted Customer Service call).
   */
  csPerformance?(shopId: string, period: { from: string; to: string }): Promise<CsPerformance>;
}

/** The platform's Customer Service figures for a period (Tokopedia & Shop's Get Customer Service Performance). */
export interface CsPerformance {
  /** Chat sessions buyers started in the period. */
  sessions: number;
  /** Percent of those sessions with a first response within the platform's window (24 h). */
  responsePercentage: number;
  /** Average first-response time, minutes. */
  responseTimeMinutes: number;
  /** Percent of rated sessions rated satisfied. */
  satisfactionPercentage: number;
}
