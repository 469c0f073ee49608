/**
 * `status`'s line per shop with leads held back in Kommo's incoming stage: the bridge writes nothing to a lead (tags,
 * responsible user, pipeline, sale value) until a person accepts it, so a shop whose leads stay here long has nobody
 * accepting them (or wants `shops[].autoAccept`).
 */
import { waitText } from "../../bridge/reply-guard-work.js";

export interface PendingLeadsLine {
  count: number;
  /** When the oldest of them was found incoming (ms since the epoch). */
  oldestSince: number;
}

/** Per shop key (`source:shopId`), from the state's pending leads. */
export function pendingLeadsByShop(
  rows: Array<{ shopKey: string; since: number }>,
): Map<string, PendingLeadsLine> {
  const out = new Map<string, PendingLeadsLine>();
  for (const r of rows) {
    const line = out.get(r.shopKey);
    if (!line) out.set(r.shopKey, { count: 1, oldestSince: r.since });
    else {
      line.count++;
      line.oldestSince = Math.min(line.oldestSince, r.since);
    }
  }
  return out;
}

/** The line `status` prints for it. */
export function pendingLeadsText(key: string, p: PendingLeadsLine, now: number): string {
  return `leads ${key}: ${p.count} wait for a manager to accept them in Kommo (oldest ${waitText(now - p.oldestSince)})`;
}
