/**
 * The shop's daily Customer Service quota, as the bridge spends it. The platform allows a fixed number of CS calls
 * a day (10,000 on its pages; whether per shop, app or endpoint is not documented, so the bridge assumes per shop,
 * all CS endpoints together) and never reports what is left: the bridge counts its own calls in the state store (on
 * PostgreSQL one count for all replicas).
 *
 * Two lanes share the day's quota. Reads and sweeps ("read") stop at (1 - replyReserve) of it; replies ("reply":
 * send, image upload, mark read, create conversation) may use the rest, so managers can still answer late in the
 * day. Once the whole quota is spent, or the platform answers 45101004, a reply fails at once with a text naming the
 * quota and its reset (no hourly retries into the next day), and reads wait for the reset.
 *
 * When the platform's day starts is not documented either: the bridge assumes midnight UTC, configurable per app
 * (`quotaDayStartUtc`, "HH:MM"), and trusts a 45101004 over its own count until its day ends.
 */
import { TkError } from "../../errors/index.js";
import type { DayCount } from "../../store/call-counts.js";
import type { ShopRef } from "../../store/keys.js";
import { callPurpose } from "../call-purpose.js";
import { TTS_ERR } from "./errors.js";

export const DEFAULT_DAILY_CALL_QUOTA = 10_000;
export const DEFAULT_REPLY_RESERVE = 0.2;
export const DEFAULT_QUOTA_DAY_START_UTC = "00:00";
/** Idle polling may take at most this share of the daily quota (the rest is for messages and replies). */
export const POLL_SHARE = 0.3;

const DAY_MS = 86_400_000;

export type CallLane = "read" | "reply";

export interface CsQuotaSettings {
  dailyCallQuota: number;
  /** Share of the quota only replies may use (0..1). */
  replyReserve: number;
  /** "HH:MM" (UTC) at which the quota day starts. */
  dayStartUtc: string;
}

/**
 * Where the counts live: the state store's call counts (SQLite CallCountsRepo, PostgreSQL PgCallCounts, where
 * several `serve` replicas spend one shop's quota together).
 */
export interface CallCountsPort {
  /**
   * The gate before a call, one atomic step on the store (also against other replicas): adds `n` calls to the
   * shop's day when its total stays within `cap` and the day is not marked spent at `now`. Returns whether it did,
   * and the day's count after the step.
   */
  take(shop: ShopRef, dayStart: number, n: number, cap: number, now: number): Promise<TakeResult>;
  /** Adds `n` calls to the shop's day, whatever the cap; returns the day's new total. */
  add(shop: ShopRef, dayStart: number, n: number, now: number): Promise<number>;
  /** The day's count as the store holds it now. */
  get(shop: ShopRef, dayStart: number): Promise<DayCount>;
  /**
   * The day's count without waiting, for showing and pacing (`usage`), never for the gate: exact on SQLite (one
   * process holds the file); on PostgreSQL this replica's latest sight of it, refreshed by each of its own writes
   * and every few seconds, so other replicas' calls show up within that time.
   */
  known(shop: ShopRef, dayStart: number): DayCount;
  markExhausted(shop: ShopRef, dayStart: number, until: number, now: number): Promise<void>;
  recordSweepPages(shop: ShopRef, dayStart: number, pages: number, now: number): Promise<void>;
}

/** What `take` did: whether the calls were added, and the day's count after it. */
export interface TakeResult {
  taken: boolean;
  count: DayCount;
}

/** A shop's quota today, as `status`, `/metrics` and `doctor` show it. */
export interface QuotaUsage {
  used: number;
  limit: number;
  /** Calls of the limit kept for replies: reads and sweeps stop at limit - reserved. */
  reserved: number;
  /** When the count starts again (ms). */
  resetsAt: number;
  /** The whole quota is spent (own count, or the platform said so): replies fail, sweeps pause. */
  exhausted: boolean;
  /** Reads and sweeps are stopped (their share is spent, or exhausted). */
  readsStopped: boolean;
  /** List calls of the shop's last sweep (undefined before the first). */
  sweepPages?: number;
}

/** An app's quota keys (tiktokshop.apps[] in the config) as the quota module takes them. */
export function quotaSettings(app: {
  dailyCallQuota: number;
  replyReserve: number;
  quotaDayStartUtc: string;
}): CsQuotaSettings {
  return {
    dailyCallQuota: app.dailyCallQuota,
    replyReserve: app.replyReserve,
    dayStartUtc: app.quotaDayStartUtc,
  };
}

/** The quota day containing `now`: [start, end). */
export function quotaDay(now: number, dayStartUtc: string = DEFAULT_QUOTA_DAY_START_UTC) {
  const offset = dayStartOffsetMs(dayStartUtc);
  const start = Math.floor((now - offset) / DAY_MS) * DAY_MS + offset;
  return { start, end: start + DAY_MS };
}

function dayStartOffsetMs(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) return 0;
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

/**
 * The shortest interval between two sweeps of a shop that keeps its polling within POLL_SHARE of the daily quota,
 * when a sweep takes `pagesPerSweep` list calls. 0 when nothing is known yet.
 */
export function minSweepIntervalMs(pagesPerSweep: number | undefined, dailyCallQuota: number): number {
  if (!pagesPerSweep || pagesPerSweep <= 0) return 0;
  const sweepsPerDay = Math.floor((POLL_SHARE * dailyCallQuota) / pagesPerSweep);
  return sweepsPerDay < 1 ? DAY_MS : Math.ceil(DAY_MS / sweepsPerDay);
}

/**
 * Reads the usage of a shop from the store (`status` and `doctor`, which open the state read-only): the day's count
 * as the store holds it, not a replica's sight of it.
 */
export async function readUsage(
  counts: Pick<CallCountsPort, "get">,
  shop: ShopRef,
  settings: CsQuotaSettings,
  now: number,
): Promise<QuotaUsage> {
  const day = quotaDay(now, settings.dayStartUtc);
  const c = await counts.get(shop, day.start);
  const pages = c.sweepPages ?? (await counts.get(shop, day.start - DAY_MS)).sweepPages;
  return usageOf(c, pages, settings, now);
}

/** A shop's usage from its day's count (`lastPages`: its last sweep's list calls, today's or else yesterday's). */
function usageOf(c: DayCount, lastPages: number | null, settings: CsQuotaSettings, now: number): QuotaUsage {
  const day = quotaDay(now, settings.dayStartUtc);
  const limit = settings.dailyCallQuota;
  const reserved = reservedOf(settings);
  const exhausted = c.used >= limit || (c.exhaustedUntil !== null && c.exhaustedUntil > now);
  return {
    used: c.used,
    limit,
    reserved,
    resetsAt: c.exhaustedUntil !== null && c.exhaustedUntil > day.end ? c.exhaustedUntil : day.end,
    exhausted,
    readsStopped: exhausted || c.used >= limit - reserved,
    ...(lastPages ? { sweepPages: lastPages } : {}),
  };
}

function reservedOf(settings: CsQuotaSettings): number {
  const limit = settings.dailyCallQuota;
  return Math.min(limit, Math.round(limit * settings.replyReserve));
}

/**
 * The gate is `take`: one conditional increment on the store (exact across replicas). The reads (`usage`, for
 * `status`, /metrics and the sweep scheduler) stay synchronous on the store's `known` count: their callers are
 * synchronous paths that run often (each scheduler tick), and a figure a few seconds old there only shifts when a
 * sweep is tried, which the gate then refuses or allows exactly.
 */
export class CsQuota {
  private readonly now: () => number;

  constructor(
    readonly settings: CsQuotaSettings,
    private readonly counts: CallCountsPort,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  usage(shopId: string): QuotaUsage {
    const now = this.now();
    const day = quotaDay(now, this.settings.dayStartUtc);
    const c = this.counts.known(ref(shopId), day.start);
    const pages = c.sweepPages ?? this.counts.known(ref(shopId), day.start - DAY_MS).sweepPages;
    return usageOf(c, pages, this.settings, now);
  }

  /**
   * Takes one call of the shop's quota for `lane`, or throws when the lane may not spend any more today
   * (TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED, or TK_ERR_TIKTOKSHOP_QUOTA_RESERVED for a read in the replies' share).
   * Reads may bring the day to limit - reserved, replies to the limit; nothing goes through on a day the platform
   * said was spent.
   */
  async take(shopId: string, requested: CallLane): Promise<void> {
    // A read a reply makes (its check for an earlier attempt's message) spends the replies' share.
    const lane = callPurpose() === "reply" ? "reply" : requested;
    const now = this.now();
    const limit = this.settings.dailyCallQuota;
    const cap = lane === "reply" ? limit : limit - reservedOf(this.settings);
    const day = quotaDay(now, this.settings.dayStartUtc);
    const r = await this.counts.take(ref(shopId), day.start, 1, cap, now);
    if (r.taken) return;
    const u = usageOf(r.count, r.count.sweepPages, this.settings, now);
    throw u.exhausted || lane === "reply" ? quotaExceeded(lane, u, now) : readsReserved(u, now);
  }

  /** The platform answered 45101004: believe it until the day ends; returns the error for the caller's lane. */
  async refused(shopId: string, lane: CallLane, platformError: TkError): Promise<TkError> {
    const now = this.now();
    const day = quotaDay(now, this.settings.dayStartUtc);
    await this.counts.markExhausted(ref(shopId), day.start, day.end, now);
    const u = this.usage(shopId);
    const err = quotaExceeded(lane, u, now);
    Object.assign(err.details ?? {}, {
      ...(platformError.details?.platformCode !== undefined
        ? { platformCode: platformError.details.platformCode }
        : {}),
      ...(platformError.details?.requestId ? { requestId: platformError.details.requestId } : {}),
    });
    return err;
  }

  /** Remembers the size of the shop's latest sweep (list calls), for its polling interval. */
  async recordSweep(shopId: string, pages: number): Promise<void> {
    const now = this.now();
    const day = quotaDay(now, this.settings.dayStartUtc).start;
    await this.counts.recordSweepPages(ref(shopId), day, pages, now);
  }

  /** The shop's shortest sweep interval within the polling share (see minSweepIntervalMs). */
  minSweepIntervalMs(shopId: string): number {
    return minSweepIntervalMs(this.usage(shopId).sweepPages, this.settings.dailyCallQuota);
  }
}

function ref(shopId: string): ShopRef {
  return { source: "tiktokshop", shopId };
}

/** 10000 -> "10,000". */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** "00:00 UTC (2026-12-04)": when the quota resets, for people. */
export function resetText(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(11, 16)} UTC (${iso.slice(0, 10)})`;
}

function quotaExceeded(lane: CallLane, u: QuotaUsage, now: number): TkError {
  return new TkError(
    TTS_ERR.QUOTA_EXCEEDED,
    `the shop's daily Tokopedia & Shop chat quota (${count(u.limit)} calls) is used up; it resets at ${resetText(u.resetsAt)}`,
    {
      fix:
        lane === "reply"
          ? "Send the reply again after the reset. To keep room for replies, poll less (sync.pollIntervalSeconds) or raise tiktokshop.apps[].replyReserve."
          : "Sweeps and reads resume at the reset; buyer messages carried by webhooks still reach Kommo meanwhile.",
      // A reply waiting for tomorrow is worse than one that fails now with the reason: the manager decides.
      details: {
        retryable: lane !== "reply",
        ...(lane !== "reply" ? { retryAfterMs: Math.max(1_000, u.resetsAt - now) } : {}),
        quotaUsed: u.used,
        quotaLimit: u.limit,
        resetsAt: new Date(u.resetsAt).toISOString(),
      },
    },
  );
}

function readsReserved(u: QuotaUsage, now: number): TkError {
  return new TkError(
    TTS_ERR.QUOTA_RESERVED,
    `the shop used ${count(u.used)} of its ${count(u.limit)} daily Tokopedia & Shop chat calls; the last ${count(u.reserved)} are kept for replies, so reads and sweeps wait for the reset at ${resetText(u.resetsAt)}`,
    {
      fix: "Nothing to do for today: replies still go out, and buyer messages carried by webhooks still reach Kommo. To avoid it, poll less (sync.pollIntervalSeconds) or use webhook mode.",
      details: {
        retryable: true,
        retryAfterMs: Math.max(1_000, u.resetsAt - now),
        quotaUsed: u.used,
        quotaLimit: u.limit,
        resetsAt: new Date(u.resetsAt).toISOString(),
      },
    },
  );
}
