/**
 * The TikTok Shop quota part of `status`: each shop's Customer Service calls today against its daily quota, read
 * from the counts the daemon keeps in the state file, and whether its sweeps are stretched or paused for it.
 */
import type { Config } from "../../config/index.js";
import { minSweepIntervalMs, quotaSettings, readUsage } from "../../sources/tiktokshop/quota.js";
import type { Store } from "../../store/index.js";

/** One TikTok Shop shop's quota as `status --json` reports it. */
export interface QuotaLine {
  /** Customer Service calls counted today. */
  used: number;
  /** tiktokshop.apps[].dailyCallQuota. */
  limit: number;
  /** Calls of the limit kept for replies: reads and sweeps stop at limit - reserved. */
  reserved: number;
  /** When the count starts again (ISO 8601, UTC). */
  resetsAt: string;
  /** "ok"; "reads-stopped" (only replies may call until the reset); "exhausted" (replies fail until the reset). */
  state: "ok" | "reads-stopped" | "exhausted";
  /**
   * The shortest sweep interval that keeps polling within 30 % of the quota, in seconds, when it is longer than
   * sync.pollIntervalSeconds (the sweeps are stretched); null otherwise.
   */
  sweepStretchedToSeconds: number | null;
}

export async function quotaLine(
  config: Config,
  store: Pick<Store, "callCounts">,
  shop: { source: string; shopId: string; app: string },
  now: number,
): Promise<QuotaLine | undefined> {
  if (shop.source !== "tiktokshop") return undefined;
  const app = config.tiktokshop.apps.find((a) => a.name === shop.app);
  if (!app) return undefined;
  const u = await readUsage(
    store.callCounts,
    { source: "tiktokshop", shopId: shop.shopId },
    quotaSettings(app),
    now,
  );
  const floorMs = minSweepIntervalMs(u.sweepPages, u.limit);
  // Only periodic sweeps are stretched; `webhook` mode has none.
  const stretched = config.sync.mode !== "webhook" && floorMs > config.sync.pollIntervalSeconds * 1000;
  return {
    used: u.used,
    limit: u.limit,
    reserved: u.reserved,
    resetsAt: new Date(u.resetsAt).toISOString(),
    state: u.exhausted ? "exhausted" : u.readsStopped ? "reads-stopped" : "ok",
    sweepStretchedToSeconds: stretched ? Math.ceil(floorMs / 1000) : null,
  };
}

/** The QUOTA column: "812/10000", with what it means for the shop when it is short. */
export function quotaCell(q: QuotaLine | undefined): string {
  if (!q) return "-";
  const base = `${q.used}/${q.limit}`;
  const reset = q.resetsAt.replace(/:\d\d\.\d{3}Z$/, "Z");
  if (q.state === "exhausted") return `${base} EXHAUSTED: replies fail, sweeps paused until ${reset}`;
  if (q.state === "reads-stopped")
    return `${base} reads stopped (last ${q.reserved} kept for replies) until ${reset}`;
  if (q.sweepStretchedToSeconds !== null) return `${base} sweeps every ${q.sweepStretchedToSeconds}s (quota)`;
  return base;
}
