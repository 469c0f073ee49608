/**
 * `status`'s reply-time figures per shop (bridge/reply-figures.ts), and beside them, for Tokopedia & Shop shops,
 * the platform's own Customer Service figures as the daemon last fetched them (at most once a day).
 */
import { type ReplyFigures, shopFigures } from "../../bridge/reply-figures.js";
import type { ReplyGuardStore } from "../../bridge/reply-guard-store.js";
import { waitText } from "../../bridge/reply-guard-work.js";
import type { Config } from "../../config/index.js";
import { shopReplyGuard } from "../../daemon/topology-from-config.js";
import type { SourceKind } from "../../domain/index.js";

export interface ReplyStatus extends ReplyFigures {
  /** The platform's own figures (Tokopedia & Shop), with when they were fetched (ms). */
  platform?: { fetchedAt: number } & Record<string, unknown>;
}

export async function replyStatus(
  config: Config,
  store: ReplyGuardStore,
  shop: { source: string; shopId: string },
  now: number,
): Promise<ReplyStatus> {
  const own = config.shops.find((s) => s.source === shop.source && String(s.shopId) === shop.shopId);
  const deadline = own ? shopReplyGuard(config, own).deadlineMinutes : config.replyGuard.deadlineMinutes;
  const ref = { source: shop.source as SourceKind, shopId: shop.shopId };
  const figures: ReplyStatus = await shopFigures(store, ref, now, deadline);
  const perf = await store.csPerformance(ref.source, ref.shopId);
  if (perf) figures.platform = { fetchedAt: perf.fetchedAt, ...perf.figures };
  return figures;
}

const pct = (x: number | null) => (x === null ? "-" : `${Math.round(x * 1000) / 10}%`);

export function replyStatusText(key: string, r: ReplyStatus): string {
  const oldest = r.oldestWaitMs === null ? "" : ` (oldest ${waitText(r.oldestWaitMs)})`;
  const median = r.medianFirstReplyMs === null ? "-" : waitText(r.medianFirstReplyMs);
  let line = `replies ${key}: waiting now ${r.waitingNow}${oldest}; last ${r.days} days: ${pct(r.shareWithinDeadline)} of ${r.decided} answered within ${waitText(r.deadlineMinutes * 60_000)}, median first reply ${median}`;
  const p = r.platform;
  if (p) {
    const day = new Date(p.fetchedAt).toISOString().slice(0, 10);
    line += `; platform (${day}): response rate ${p.responsePercentage ?? "-"}%, response time ${p.responseTimeMinutes ?? "-"} min, satisfaction ${p.satisfactionPercentage ?? "-"}%`;
  }
  return line;
}
