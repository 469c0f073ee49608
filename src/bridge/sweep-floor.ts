/**
 * How soon a shop may be swept again, by its upstream budget. A source that spends a daily call quota (TikTok
 * Shop) knows what one sweep costs and how much of the day's quota polling may take; it says how long the next
 * sweep must wait at least (longer than the poll interval when the shop has many conversations, until the reset
 * while its reads are stopped). Sources without such a budget say nothing (0).
 */
import type { MarketplaceSource } from "../sources/types.js";

/** Implemented by sources with a daily budget (TikTokShopSource). */
interface HasSweepFloor {
  sweepIntervalFloorMs(shopId: string, now?: number): number;
}

function hasSweepFloor(m: MarketplaceSource): m is MarketplaceSource & HasSweepFloor {
  return typeof (m as Partial<HasSweepFloor>).sweepIntervalFloorMs === "function";
}

/** The shortest interval the shop's budget allows before its next sweep (ms); 0 without such a budget. */
export function sweepFloorMs(marketplace: MarketplaceSource, shopId: string, now: number): number {
  if (!hasSweepFloor(marketplace)) return 0;
  try {
    return marketplace.sweepIntervalFloorMs(shopId, now);
  } catch {
    // The count could not be read (state file busy): sweep at the usual pace; the call itself is still counted.
    return 0;
  }
}

/** The delay before the shop's next sweep: the poll interval, stretched to what the shop's budget allows. */
export function sweepDelayMs(
  marketplace: MarketplaceSource,
  shopId: string,
  intervalMs: number,
  now: number,
): number {
  return Math.max(intervalMs, sweepFloorMs(marketplace, shopId, now));
}
