/**
 * The shop's conversations as rooms (Get Conversations, 20 a page). Two ways to walk the listing:
 *  - `all`: every page at once, for the start-up sweep (the catch-up after downtime) and anyone asking for the
 *    whole list;
 *  - `page`: one page of a walk, resumed from the page token the previous page returned, for the periodic sweeps,
 *    which spread a walk's pages over the sweep interval so polling calls come evenly through the day.
 * Either way a walk ends at the last page, at a page token seen before in the walk (a listing going round), or at
 * the page cap; its size is remembered (and recorded in the quota) because it sets how often, and in how many
 * ticks, the shop may be swept.
 */
import type { Buyer, BuyerPlatform, RoomPage, RoomSummary } from "../types.js";
import type { TikTokShopClient } from "./client.js";
import type { ShopAccess, TtsConversation } from "./model.js";

interface WalkState {
  pages: number;
  seenTokens: Set<string>;
}

export interface ConversationListingOptions {
  client: TikTokShopClient;
  /** Safety cap on the pages of one walk. */
  maxPages: number;
  /** Told of every listed conversation (its unread count matters to replies). */
  onListed: (conv: TtsConversation) => void;
}

export class ConversationListing {
  /** The paged walk in progress per shop. */
  private readonly walks = new Map<string, WalkState>();
  /** Pages of each shop's last complete walk. */
  private readonly lastWalk = new Map<string, number>();

  constructor(private readonly o: ConversationListingOptions) {}

  /** Every page at once; rooms whose newest message is older than `since` are left out. Newest first. */
  async all(shop: ShopAccess, since: number): Promise<RoomSummary[]> {
    const walk: WalkState = { pages: 0, seenTokens: new Set() };
    const rooms: RoomSummary[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.fetch(shop, since, walk, pageToken);
      rooms.push(...page.rooms);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return rooms.sort((a, b) => b.lastMessageAt - a.lastMessageAt);
  }

  /**
   * One page of the shop's paged walk: the first page without `pageToken`, then each with the token the one
   * before returned. A token from nowhere (the walk state was lost) starts counting the walk afresh.
   */
  async page(shop: ShopAccess, since: number, pageToken?: string): Promise<RoomPage> {
    const known = pageToken ? this.walks.get(shop.shopId) : undefined;
    const walk = known ?? { pages: 0, seenTokens: new Set<string>() };
    this.walks.set(shop.shopId, walk);
    try {
      const page = await this.fetch(shop, since, walk, pageToken);
      if (!page.nextPageToken) this.walks.delete(shop.shopId);
      return page;
    } catch (err) {
      // The caller starts the walk again from the first page.
      this.walks.delete(shop.shopId);
      throw err;
    }
  }

  /** Pages of the shop's last complete walk (undefined before the first in this process). */
  lastWalkPages(shopId: string): number | undefined {
    return this.lastWalk.get(shopId);
  }

  private async fetch(
    shop: ShopAccess,
    since: number,
    walk: WalkState,
    pageToken: string | undefined,
  ): Promise<RoomPage> {
    const res = await this.o.client.listConversations(shop, pageToken ? { pageToken } : {});
    walk.pages++;
    const rooms = this.summaries(shop.shopId, res.items, since);
    const next = res.nextPageToken;
    if (next && !walk.seenTokens.has(next) && walk.pages < this.o.maxPages) {
      walk.seenTokens.add(next);
      return { rooms, nextPageToken: next };
    }
    this.lastWalk.set(shop.shopId, walk.pages);
    // What one walk costs sets how often the shop may be swept (see sweepIntervalFloorMs).
    await this.o.client.quota?.recordSweep(shop.shopId, walk.pages);
    return { rooms };
  }

  private summaries(shopId: string, items: TtsConversation[], since: number): RoomSummary[] {
    const rooms: RoomSummary[] = [];
    for (const conv of items) {
      const latest = conv.latestMessage;
      if (!latest) continue;
      // create_time has whole seconds: a message at since+0.5 s reads as `since` floored, so compare the
      // end of its second, not its start (a room seen twice is harmless; a room missed is not).
      if (latest.createTime * 1000 + 999 < since) continue;
      this.o.onListed(conv);
      rooms.push({
        shopId,
        roomId: conv.id,
        buyer: buyerOf(conv),
        lastMessageAt: latest.createTime * 1000,
        lastMessageId: latest.id,
      });
    }
    return rooms.sort((a, b) => b.lastMessageAt - a.lastMessageAt);
  }
}

/** The conversation's buyer as the listing names it. */
export function buyerOf(conv: TtsConversation): Buyer {
  const p =
    conv.participants.find((x) => x.role === "BUYER") ??
    (conv.latestMessage?.sender.role === "BUYER" ? conv.latestMessage.sender : undefined);
  const platform =
    p?.buyerPlatform === "TOKOPEDIA" || p?.buyerPlatform === "TIKTOK_SHOP" ? p.buyerPlatform : undefined;
  return {
    // user_id is the stable buyer id (same as orders); im_user_id only when the listing lacks it.
    id: p?.userId ?? p?.imUserId ?? "",
    name: p?.nickname ?? "Buyer",
    ...(p?.avatar ? { avatarUrl: p.avatar } : {}),
    ...(platform ? { platform: platform as BuyerPlatform } : {}),
  };
}
