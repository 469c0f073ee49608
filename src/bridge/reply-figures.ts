/**
 * The reply-time figures `status` shows per shop, computed from what the bridge saw (the guard's wait history):
 * buyers waiting now and the oldest wait; over the last 7 days the share of waits answered within the deadline and
 * the median first-reply time.
 *
 * A wait counts for the share once it is decided: answered, or unanswered past the deadline (a wait younger than the
 * deadline and still open can go either way and is left out). The median is over the answered waits.
 */

import type { SourceKind } from "../domain/index.js";
import type { ReplyGuardStore, WaitEpisode } from "./reply-guard-store.js";

export const FIGURE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface ReplyFigures {
  waitingNow: number;
  /** ms; null when nobody waits. */
  oldestWaitMs: number | null;
  days: number;
  deadlineMinutes: number;
  /** Waits begun in the period and decided (answered, or past the deadline). */
  decided: number;
  answeredWithinDeadline: number;
  /** answeredWithinDeadline / decided, 0..1; null when nothing is decided. */
  shareWithinDeadline: number | null;
  /** ms; null when no wait of the period was answered. */
  medianFirstReplyMs: number | null;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function figuresOf(
  episodes: WaitEpisode[],
  waiting: { count: number; oldestSince?: number },
  now: number,
  deadlineMinutes: number,
): ReplyFigures {
  const deadlineMs = deadlineMinutes * 60_000;
  const since = now - FIGURE_DAYS * DAY_MS;
  const inPeriod = episodes.filter((e) => e.startedAt >= since);
  const answered = inPeriod.filter((e) => e.firstReplyAt !== undefined);
  const decided = inPeriod.filter((e) => e.firstReplyAt !== undefined || now - e.startedAt > deadlineMs);
  const within = answered.filter((e) => e.firstReplyAt! - e.startedAt <= deadlineMs).length;
  return {
    waitingNow: waiting.count,
    oldestWaitMs: waiting.oldestSince !== undefined ? now - waiting.oldestSince : null,
    days: FIGURE_DAYS,
    deadlineMinutes,
    decided: decided.length,
    answeredWithinDeadline: within,
    shareWithinDeadline: decided.length > 0 ? within / decided.length : null,
    medianFirstReplyMs: median(answered.map((e) => e.firstReplyAt! - e.startedAt)),
  };
}

/** The figures of one shop, read through the guard's store. */
export async function shopFigures(
  store: ReplyGuardStore,
  shop: { source: SourceKind; shopId: string },
  now: number,
  deadlineMinutes: number,
): Promise<ReplyFigures> {
  const [episodes, waiting] = await Promise.all([
    store.history(shop.source, shop.shopId, now - FIGURE_DAYS * DAY_MS),
    store.waitingNow(shop.source, shop.shopId),
  ]);
  return figuresOf(episodes, waiting, now, deadlineMinutes);
}
