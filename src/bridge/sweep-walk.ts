/**
 * Sweeps spread over the interval. A source whose listing has many pages and a daily call budget (TikTok Shop)
 * lets a periodic sweep list one page a tick, resuming from the page token, instead of every page at once: its
 * calls then come evenly through the day. The start-up sweep still lists every page at once (catching up after
 * downtime wants the whole listing now). Sources without paging are swept whole (one tick an interval).
 *
 * A walk's rooms are those whose newest message is at or after the walk's `since`, fixed when the walk starts
 * and reaching back to the start of the last complete walk. A room whose newest message moves it to a page the
 * walk already passed has a message newer than the walk's start, so the next walk finds it. Every page records
 * the shop's sync success (status and doctor stay fresh); after a restart the start-up sweep, which knows no walk,
 * looks back two whole walks from it.
 */
import type { MarketplaceSource, RoomPage } from "../sources/types.js";

/** Implemented by sources whose listing can be walked a page at a time (TikTokShopSource). */
export interface PagedListing {
  listRoomsPage(shopId: string, since: number, pageToken?: string): Promise<RoomPage>;
  /** In how many ticks one sweep interval lists the shop (its listing's pages; 1 when nothing is known). */
  sweepPagesPerInterval(shopId: string): number;
}

/** A walk in progress: where it resumes, and what it started from. */
export interface Walk {
  startedAt: number;
  since: number;
  pageToken?: string;
}

export function pagedListing(m: MarketplaceSource): (MarketplaceSource & PagedListing) | undefined {
  const p = m as MarketplaceSource & Partial<PagedListing>;
  return typeof p.listRoomsPage === "function" && typeof p.sweepPagesPerInterval === "function"
    ? (p as MarketplaceSource & PagedListing)
    : undefined;
}

/** Ticks of one sweep interval for the shop: 1 unless its source walks its listing a page a tick. */
export function sweepTicks(marketplace: MarketplaceSource, shopId: string): number {
  const paged = pagedListing(marketplace);
  if (!paged) return 1;
  try {
    return Math.max(1, paged.sweepPagesPerInterval(shopId));
  } catch {
    // The quota count could not be read (state file busy): one page per interval is always within budget.
    return 1;
  }
}
