/**
 * `status`'s per-shop lines, read through the backend-neutral StateReader (store/state-reader.ts): shop health,
 * job counts, the sweep interval the daemon's scheduler uses now, quota and order calls, reply times, leads
 * awaiting acceptance, and the jobs tied to no configured shop.
 */
import { effectiveIntervalMs } from "../../bridge/sweep-scheduler.js";
import type { Config } from "../../config/index.js";
import type { StateReader } from "../../store/state-reader.js";
import type { ShopStatusLine, StatusReport } from "./status.js";
import { pendingLeadsByShop } from "./status-pending-leads.js";
import { quotaLine } from "./status-quota.js";
import { replyStatus } from "./status-replies.js";
import { routingLines } from "./status-routing.js";

/** The sweep interval of each configured shop, as the daemon's scheduler computes it (sweep-scheduler.ts). */
export function sweepIntervals(
  config: Config,
  /** Latest activity per shop key; undefined when the daemon never ran. */
  lastActivity: Map<string, number> | undefined,
  now: number,
): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const sharing = new Map<string, number>();
  for (const s of config.shops)
    sharing.set(`${s.source}:${s.app}`, (sharing.get(`${s.source}:${s.app}`) ?? 0) + 1);
  for (const s of config.shops) {
    const key = `${s.source}:${s.shopId}`;
    if (config.sync.mode === "webhook") {
      out.set(key, null);
      continue;
    }
    const rate =
      s.source === "tokopedia"
        ? config.tokopedia.apps.find((a) => a.name === s.app)?.requestsPerSecond
        : undefined;
    const last = lastActivity?.get(key);
    out.set(
      key,
      effectiveIntervalMs({
        baseMs: config.sync.pollIntervalSeconds * 1000,
        shopsSharing: sharing.get(`${s.source}:${s.app}`) ?? 1,
        callsPerSecond: rate,
        // No state yet: nothing is idle. No stored activity: idle since ever (a daemon that has just started
        // sweeps faster for a while, see operations.md).
        quietMs: !lastActivity ? 0 : last === undefined ? Number.POSITIVE_INFINITY : now - last,
      }),
    );
  }
  return out;
}

/** A shop's health row as status reports it: a failure is a failure even before any success. */
function syncHealth(
  h: { healthy: boolean; lastSyncAt: number | null; lastSuccessAt: number | null } | undefined,
): Pick<ShopStatusLine, "everSynced" | "healthy"> {
  const everSynced = h !== undefined && (h.lastSyncAt !== null || h.lastSuccessAt !== null);
  if (h && !h.healthy) return { everSynced, healthy: false };
  return { everSynced, healthy: everSynced ? true : null };
}

type ConfiguredShop = { source: string; shopId: string; name: string | null };

/**
 * Every configured shop's line, and the jobs of shop keys not configured. `statePath` as configured (the runtime
 * card of a running daemon is found from it: status-routing.ts).
 */
export async function readShops(
  config: Config,
  reader: StateReader,
  statePath: string,
  now: number,
): Promise<Pick<StatusReport, "shops" | "other">> {
  const configured: ConfiguredShop[] = config.shops.map((s) => ({
    source: s.source as string,
    shopId: String(s.shopId),
    name: s.name ?? null,
  }));
  const health = new Map((await reader.listShopStatus()).map((h) => [`${h.source}:${h.shopId}`, h]));
  const counts = new Map((await reader.jobCounts()).map((c) => [c.shopKey, c]));
  const routes = routingLines(config, statePath);
  const pending = pendingLeadsByShop(await reader.pendingLeads.list());
  const marked = await reader.lastMarkedByShop();
  const intervals = sweepIntervals(
    config,
    new Map(marked.map((r) => [`${r.source}:${r.shopId}`, r.at])),
    now,
  );
  const shops: ShopStatusLine[] = [];
  for (const s of configured) {
    const key = `${s.source}:${s.shopId}`;
    const h = health.get(key);
    const c = counts.get(key);
    counts.delete(key);
    const line: ShopStatusLine = {
      ...s,
      lastSyncAt: h?.lastSyncAt ?? null,
      lastSuccessAt: h?.lastSuccessAt ?? null,
      backlog: (c?.pending ?? 0) + (c?.running ?? 0),
      dead: c?.dead ?? 0,
      lastErrorCode: h?.lastErrorCode ?? null,
      lastError: h?.lastError ?? null,
      lastErrorAt: h?.lastErrorAt ?? null,
      ...syncHealth(h),
      sweepIntervalMs: intervals.get(key) ?? null,
    };
    shops.push(line);
    const routing = routes.get(key);
    if (routing) line.routing = routing;
    const held = pending.get(key);
    if (held) line.leadsAwaitingAcceptance = held;
    await addCounts(config, reader, s, line, now);
  }
  const other = [...counts.values()].map((c) => ({
    shopKey: c.shopKey,
    backlog: c.pending + c.running,
    dead: c.dead,
  }));
  return { shops, other };
}

/** Quota (TikTok Shop), reply times and order calls of one shop. */
async function addCounts(
  config: Config,
  reader: StateReader,
  s: ConfiguredShop,
  line: ShopStatusLine,
  now: number,
): Promise<void> {
  const app = config.shops.find((x) => x.source === s.source && String(x.shopId) === s.shopId)?.app ?? "";
  const quota = await quotaLine(config, reader, { ...s, app }, now);
  line.replies = await replyStatus(config, reader.replyWaits, s, now);
  if (s.source === "tiktokshop") line.orderCallsToday = await reader.orderCallsOn(s.source, s.shopId, now);
  if (quota) {
    line.quota = quota;
    // The daemon's scheduler stretches the interval to the quota's polling share too (sweep-floor.ts).
    const floorMs = (quota.sweepStretchedToSeconds ?? 0) * 1000;
    if (line.sweepIntervalMs !== null) line.sweepIntervalMs = Math.max(line.sweepIntervalMs, floorMs);
  }
}
