/**
 * MarketplaceSource over the TikTok Shop Partner API (docs/architecture.md): the engine's view of migrated
 * "Tokopedia & Shop" shops. One instance serves one Partner Center app and the shops bound to it.
 */
import { isTkError, TkError } from "../../errors/index.js";
import type {
  Buyer,
  CsPerformance,
  MarketplaceOrder,
  MarketplaceSource,
  RoomPage,
  RoomRef,
  RoomSummary,
  SendResult,
  ShopDescription,
  SourceMessage,
  WebhookHint,
} from "../types.js";
import { CS_SCOPE } from "./auth.js";
import { TikTokShopClient, type TikTokShopClientOptions } from "./client.js";
import { TTS_ERR } from "./errors.js";
import { buyerOf, ConversationListing } from "./listing.js";
import { compareMessages, type ShopAccess, type TtsConversation, type TtsMessage } from "./model.js";
import { searchBuyerOrders } from "./orders.js";
import type { QuotaUsage } from "./quota.js";
import { type RenderLinks, renderContent, senderRole } from "./render.js";
import { MAX_TEXT_LENGTH, splitText } from "./split.js";
import { parseWebhookBody, verifyWebhookSignature } from "./webhook.js";

/** A shop bound to this app: whose token it uses; the cipher is looked up (and cached) when not given. */
export interface TikTokShopBinding {
  shopId: string;
  openId: string;
  cipher?: string | undefined;
}

export interface TikTokShopSourceOptions extends TikTokShopClientOptions {
  shops: TikTokShopBinding[];
  /** TEXT limit per message (default 2000); longer replies are split. */
  maxTextLength?: number;
  /** Mark the buyer's messages read before replying (default true; the buyer sees a read receipt). */
  markReadOnSend?: boolean;
  /** Safety cap on the conversation pages of one listing walk (20 per page; default 50). */
  maxConversationPages?: number;
  links?: RenderLinks;
}

const MAX_MESSAGE_PAGES = 1000;

/** Failures that mean "this shop is not usable until someone acts", reported by describeShop, not thrown. */
const INACTIVE_CODES: ReadonlySet<string> = new Set([
  TTS_ERR.REAUTH_NEEDED,
  TTS_ERR.TOKEN_INVALID,
  TTS_ERR.SCOPE_MISSING,
  TTS_ERR.IP_NOT_ALLOWED,
  TTS_ERR.SHOP_MISMATCH,
  TTS_ERR.NOT_AUTHORIZED,
]);

export class TikTokShopSource implements MarketplaceSource {
  readonly kind = "tiktokshop" as const;
  readonly client: TikTokShopClient;
  private readonly bindings = new Map<string, TikTokShopBinding>();
  /**
   * Whether each conversation has buyer messages the shop has not read, as far as this process saw (webhooks,
   * reads, listings). A reply marks the conversation read only when it has (or when nothing is known, e.g. after
   * a restart): Read Message is a Customer Service call like any other, counted against the daily quota.
   */
  private readonly unread = new Map<string, boolean>();
  private readonly listing: ConversationListing;

  constructor(private readonly opts: TikTokShopSourceOptions) {
    this.client = new TikTokShopClient(opts);
    for (const b of opts.shops) this.bindings.set(b.shopId, { ...b });
    this.listing = new ConversationListing({
      client: this.client,
      maxPages: opts.maxConversationPages ?? 50,
      onListed: (conv) => this.noteListed(conv),
    });
  }

  /** Every page of the listing at once (the start-up sweep, the catch-up after downtime). */
  async listRooms(shopId: string, since: number): Promise<RoomSummary[]> {
    return this.listing.all(await this.access(shopId), since);
  }

  /**
   * One page of the shop's listing walk, for periodic sweeps that spread a walk over the sweep interval: the
   * first page without `pageToken`, then each with the token the page before returned (absent on the last page).
   */
  async listRoomsPage(shopId: string, since: number, pageToken?: string): Promise<RoomPage> {
    return this.listing.page(await this.access(shopId), since, pageToken);
  }

  /**
   * In how many ticks a sweep interval lists the shop's conversations: one page a tick, as many as the last walk
   * had. One while reads are stopped: the interval then runs until the quota's reset, which must not be divided.
   */
  sweepPagesPerInterval(shopId: string): number {
    const usage = this.client.quota?.usage(shopId);
    if (usage?.readsStopped) return 1;
    return this.listing.lastWalkPages(shopId) ?? usage?.sweepPages ?? 1;
  }

  /**
   * Pages newest-first until the cursor message (or anything older than the cursor time) is reached, then
   * returns what is after it, oldest first. Times are whole seconds, so when the cursor message itself is not
   * found, messages of the cursor's second are returned too (the engine de-duplicates by message id).
   */
  async readMessages(room: RoomRef, after?: { messageId?: string; time?: number }): Promise<SourceMessage[]> {
    const shop = await this.access(room.shopId);
    const collected: TtsMessage[] = [];
    let tips: string | undefined;
    let pageToken: string | undefined;
    let found = false;
    const seenTokens = new Set<string>();
    for (let page = 0; page < MAX_MESSAGE_PAGES; page++) {
      const res = await this.client.getMessages(shop, room.roomId, {
        sortOrder: "DESC",
        ...(pageToken ? { pageToken } : {}),
      });
      tips ??= res.unsupportedMsgTips;
      collected.push(...res.items);
      if (after?.messageId && res.items.some((m) => m.id === after.messageId)) found = true;
      const oldest = res.items[res.items.length - 1];
      const pastTime =
        after?.time !== undefined && oldest !== undefined && oldest.createTime * 1000 + 999 < after.time;
      if (found || pastTime || !res.nextPageToken || seenTokens.has(res.nextPageToken)) break;
      seenTokens.add(res.nextPageToken);
      pageToken = res.nextPageToken;
    }
    const unique = [...new Map(collected.map((m) => [m.id, m])).values()].sort(compareMessages);
    let fresh: TtsMessage[];
    const cursorAt = after?.messageId ? unique.findIndex((m) => m.id === after.messageId) : -1;
    if (cursorAt >= 0) fresh = unique.slice(cursorAt + 1);
    else if (after?.time !== undefined) {
      const t = after.time;
      fresh = unique.filter((m) => m.createTime * 1000 + 999 >= t && m.id !== after.messageId);
    } else fresh = unique;
    if (fresh.some((m) => m.sender.role === "BUYER" && m.isVisible)) this.unread.set(room.roomId, true);
    return fresh.map((m) => this.toSourceMessage(room, m, tips));
  }

  /**
   * The buyer of a conversation from the listing, page by page until it is found: one call when the listing
   * puts the conversation on its first page (new and recently active ones usually are), but its order is not
   * documented, so the walk goes on (within maxConversationPages) rather than guess a buyer.
   */
  async findBuyer(room: RoomRef): Promise<Buyer | undefined> {
    const shop = await this.access(room.shopId);
    let pageToken: string | undefined;
    const seenTokens = new Set<string>();
    for (let page = 0; page < (this.opts.maxConversationPages ?? 50); page++) {
      const res = await this.client.listConversations(shop, pageToken ? { pageToken } : {});
      for (const conv of res.items) this.noteListed(conv);
      const conv = res.items.find((c) => c.id === room.roomId);
      if (conv) return buyerOf(conv);
      if (!res.nextPageToken || seenTokens.has(res.nextPageToken)) return undefined;
      seenTokens.add(res.nextPageToken);
      pageToken = res.nextPageToken;
    }
    return undefined;
  }

  /** The buyer's orders in the shop since `sinceMs` (one Search Orders call; not a Customer Service call). */
  async recentOrders(shopId: string, buyerUserId: string, sinceMs: number): Promise<MarketplaceOrder[]> {
    const shop = await this.access(shopId);
    const region = this.client.auth.meta(shop.openId)?.shops?.find((s) => s.id === shopId)?.region;
    return searchBuyerOrders(this.client, { ...shop, ...(region ? { region } : {}) }, buyerUserId, sinceMs);
  }

  orderCallsToday(shopId: string): number {
    return this.client.orderCalls.today(shopId);
  }

  /** The shop's Customer Service quota today (undefined when the source does not count calls). */
  /** The platform's Customer Service figures (one Customer Service call, counted in the daily quota). */
  async csPerformance(shopId: string, period: { from: string; to: string }): Promise<CsPerformance> {
    return this.client.csPerformance(await this.access(shopId), period);
  }

  quotaUsage(shopId: string): QuotaUsage | undefined {
    return this.client.quota?.usage(shopId);
  }

  /**
   * The shortest time from now to the shop's next sweep: the interval that keeps polling within its share of the
   * daily quota, or until the reset while reads are stopped (a sweep would spend nothing, and fail).
   */
  sweepIntervalFloorMs(shopId: string, now: number = Date.now()): number {
    const quota = this.client.quota;
    if (!quota) return 0;
    const u = quota.usage(shopId);
    if (u.readsStopped) return Math.max(0, u.resetsAt - now);
    return quota.minSweepIntervalMs(shopId);
  }

  /** The messages a reply becomes (the engine sends them one by one and records each as it goes). */
  textParts(text: string): string[] {
    return splitText(text, this.opts.maxTextLength ?? MAX_TEXT_LENGTH);
  }

  async sendText(room: RoomRef, text: string): Promise<SendResult> {
    const chunks = this.textParts(text);
    if (chunks.length === 0) {
      throw new TkError(
        TTS_ERR.EMPTY_MESSAGE,
        "The reply is empty; Tokopedia & Shop does not accept empty messages.",
        {
          fix: "Write some text in the reply.",
          details: { retryable: false },
        },
      );
    }
    const shop = await this.access(room.shopId);
    await this.markReadQuietly(shop, room.roomId);
    const messageIds: string[] = [];
    for (const chunk of chunks) {
      try {
        messageIds.push(await this.client.sendMessage(shop, room.roomId, "TEXT", { content: chunk }));
      } catch (err) {
        // Parts already sent stay sent: tell the caller which, so a retry sends only the rest.
        if (isTkError(err) && err.details && messageIds.length > 0) {
          err.details.sentMessageIds = [...messageIds];
          err.details.sentParts = messageIds.length;
          err.details.totalParts = chunks.length;
        }
        throw err;
      }
    }
    return { messageIds, sentAt: Date.now() };
  }

  async sendImage(room: RoomRef, image: { bytes: Uint8Array; contentType: string }): Promise<SendResult> {
    const shop = await this.access(room.shopId);
    const uploaded = await this.client.uploadImage(shop, image);
    await this.markReadQuietly(shop, room.roomId);
    const id = await this.client.sendMessage(shop, room.roomId, "IMAGE", uploaded);
    return { messageIds: [id], sentAt: Date.now() };
  }

  /** Marks the buyer's messages in the room read (Read Message). */
  async markRead(room: RoomRef): Promise<void> {
    await this.client.markRead(await this.access(room.shopId), room.roomId);
    this.unread.set(room.roomId, false);
  }

  /**
   * Flags the seller behind `shopId` as needing re-authorization (e.g. on a type-6 "deauthorized" webhook):
   * later calls fail fast with TK_ERR_TIKTOKSHOP_REAUTH_NEEDED until the seller authorizes again.
   */
  markReauthNeeded(shopId: string, reason: string): void {
    const b = this.bindings.get(shopId);
    if (b) this.client.auth.markReauthNeeded(b.openId, reason);
  }

  verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array): boolean {
    return verifyWebhookSignature(this.opts.appKey, this.opts.appSecret, headers, rawBody);
  }

  parseWebhook(rawBody: Uint8Array): WebhookHint[] {
    return parseWebhookBody(rawBody, {
      ...(this.opts.links ? { links: this.opts.links } : {}),
      onMessage: (conversationId, m) => {
        if (m?.isVisible && m.sender.role === "BUYER") this.unread.set(conversationId, true);
      },
    });
  }

  async describeShop(shopId: string): Promise<ShopDescription> {
    const binding = this.bindings.get(shopId);
    if (!binding)
      return { shopId, name: shopId, active: false, reason: "This shop is not bound to the app." };
    const meta = this.client.auth.meta(binding.openId);
    const known = meta?.shops?.find((s) => s.id === shopId);
    const name = known?.name || shopId;
    if (!meta) return { shopId, name, active: false, reason: "The seller has not authorized the app yet." };
    if (meta.reauthNeeded) {
      return {
        shopId,
        name,
        active: false,
        reason: `Re-authorization needed: ${meta.reauthReason ?? "expired"}.`,
      };
    }
    try {
      const shops = await this.client.getAuthorizedShops(binding.openId);
      this.client.auth.updateMeta(binding.openId, { shops });
      const shop = shops.find((s) => s.id === shopId);
      if (!shop)
        return {
          shopId,
          name,
          active: false,
          reason: "The seller's authorization no longer covers this shop.",
        };
      binding.cipher = shop.cipher;
      const scopes = this.client.auth.meta(binding.openId)?.grantedScopes ?? [];
      if (scopes.length > 0 && !scopes.includes(CS_SCOPE)) {
        return {
          shopId,
          name: shop.name || name,
          active: false,
          reason: "The Customer Service scope (seller.customer_service) was not granted.",
        };
      }
      // The grant can look right while the app's Customer Service access is not (yet) approved: probe one
      // chat call, the cheapest there is (one conversation).
      await this.client.listConversations(
        { shopId, openId: binding.openId, cipher: shop.cipher },
        { pageSize: 1 },
      );
      return { shopId, name: shop.name || name, active: true };
    } catch (err) {
      if (isTkError(err) && INACTIVE_CODES.has(err.code))
        return { shopId, name, active: false, reason: err.message };
      throw err;
    }
  }

  private async access(shopId: string): Promise<ShopAccess> {
    const b = this.bindings.get(shopId);
    if (!b) {
      throw new TkError(TTS_ERR.SHOP_UNKNOWN, `Tokopedia & Shop shop ${shopId} is not bound to this app.`, {
        fix: "Bind it with `tokokommo shops add --source tiktokshop ...`.",
        details: { shopId, retryable: false },
      });
    }
    if (!b.cipher) {
      b.cipher = this.client.auth.meta(b.openId)?.shops?.find((s) => s.id === shopId)?.cipher;
    }
    if (!b.cipher) {
      const shops = await this.client.getAuthorizedShops(b.openId);
      this.client.auth.updateMeta(b.openId, { shops });
      b.cipher = shops.find((s) => s.id === shopId)?.cipher;
    }
    if (!b.cipher) {
      throw new TkError(TTS_ERR.SHOP_UNKNOWN, `The seller's authorization does not cover shop ${shopId}.`, {
        fix: "Have the seller authorize the app for this shop, then run `tokokommo shops add --source tiktokshop`.",
        details: { shopId, retryable: false },
      });
    }
    return { shopId, openId: b.openId, cipher: b.cipher };
  }

  /**
   * What a listing says about unread buyer messages. "None" is believed only when nothing else is known: a
   * listing taken just before a buyer's message must not hide the unread message a webhook announced meanwhile.
   */
  private noteListed(conv: TtsConversation): void {
    if (conv.unreadCount > 0) this.unread.set(conv.id, true);
    else if (!this.unread.has(conv.id)) this.unread.set(conv.id, false);
  }

  /**
   * Read receipts are cosmetic; a failure must not block the reply itself, which is what matters. Skipped when
   * the conversation is known to have no unread buyer message (e.g. the second reply to the same message).
   */
  private async markReadQuietly(shop: ShopAccess, conversationId: string): Promise<void> {
    if (this.opts.markReadOnSend === false || this.unread.get(conversationId) === false) return;
    // Noted before the call: a buyer message announced while it runs sets it back, for the next reply.
    this.unread.set(conversationId, false);
    try {
      await this.client.markRead(shop, conversationId);
    } catch (err) {
      if (this.unread.get(conversationId) === false) this.unread.delete(conversationId);
      if (isTkError(err) && (err.code === TTS_ERR.REAUTH_NEEDED || err.code === TTS_ERR.SCOPE_MISSING))
        throw err;
    }
  }

  private toSourceMessage(room: RoomRef, m: TtsMessage, tips: string | undefined): SourceMessage {
    return {
      shopId: room.shopId,
      roomId: room.roomId,
      messageId: m.id,
      sentAt: m.createTime * 1000,
      sender: senderRole(m.sender.role),
      ...(m.sender.nickname ? { senderName: m.sender.nickname } : {}),
      content: renderContent(m.type, m.content, {
        ...(this.opts.links ? { links: this.opts.links } : {}),
        ...(tips ? { unsupportedTips: tips } : {}),
      }),
      ...(m.index ? { order: m.index } : {}),
      ...(m.isVisible ? {} : { hidden: true }),
    };
  }
}
