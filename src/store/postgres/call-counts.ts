/**
 * TikTok Shop call counts in PostgreSQL (CallCountsPort), one count per shop and quota day for every `serve` replica
 * on the database: the gate (`take`) is one conditional increment, so two replicas spending one shop's quota at once
 * never pass the cap together (the second waits for the row and re-checks the cap on the count the first committed).
 *
 * `known` (the synchronous read behind `usage`: status, /metrics, the sweep scheduler) answers from this replica's
 * sight of each day it was asked about: every write here refreshes it from the row the write returned, and a timer
 * (every `refreshMs`, unref'd, stopped by `close`) reads the days watched, so other replicas' calls show up within
 * that time. A day first asked about reads as zero until its first read returns (moments later).
 */
import type { CallCountsPort, TakeResult } from "../../sources/tiktokshop/quota.js";
import type { DayCount } from "../call-counts.js";
import type { ShopRef } from "../keys.js";
import type { Sql } from "./sql.js";

const DAY_MS = 86_400_000;
const NONE: DayCount = { used: 0, exhaustedUntil: null, sweepPages: null };
const RETURNED = "used, exhausted_until, sweep_pages";

interface CountColumns {
  used: number;
  exhausted_until: number | null;
  sweep_pages: number | null;
}

interface Watched {
  shop: ShopRef;
  dayStart: number;
  count: DayCount;
  /** Bumped by each write's refresh: a periodic read begun before it does not overwrite it. */
  writes: number;
}

export interface PgCallCountsOptions {
  /** How often the days watched are read again (ms, default 5000). */
  refreshMs?: number;
  /** A periodic read failed (the last sight is kept; the next tick tries again). */
  onRefreshError?: (err: unknown) => void;
}

export class PgCallCounts implements CallCountsPort {
  private readonly watched = new Map<string, Watched>();
  private readonly refreshMs: number;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  /** `sql`: the pool (each call atomic on its own; see poolSql). */
  constructor(
    private readonly sql: Sql,
    private readonly opts: PgCallCountsOptions = {},
  ) {
    this.refreshMs = opts.refreshMs ?? 5_000;
  }

  /**
   * INSERT … ON CONFLICT DO UPDATE … WHERE: a new day's row goes in only when `n` fits the cap; an existing row
   * grows only while it stays within the cap and is not marked spent at `now`. No row back: refused.
   */
  async take(shop: ShopRef, dayStart: number, n: number, cap: number, now: number): Promise<TakeResult> {
    const [row] = await this.sql.query<CountColumns>(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at)
       SELECT $1::text, $2::text, $3::bigint, $4::int, $5::bigint WHERE $4::int <= $6::int
       ON CONFLICT (source, shop_id, day_start) DO UPDATE
         SET used = cs_call_counts.used + excluded.used, updated_at = excluded.updated_at
         WHERE cs_call_counts.used + excluded.used <= $6::int
           AND (cs_call_counts.exhausted_until IS NULL OR cs_call_counts.exhausted_until <= $5::bigint)
       RETURNING ${RETURNED}`,
      [shop.source, shop.shopId, dayStart, n, now, cap],
    );
    if (row) return { taken: true, count: this.saw(shop, dayStart, row) };
    return { taken: false, count: await this.get(shop, dayStart) };
  }

  async add(shop: ShopRef, dayStart: number, n: number, now: number): Promise<number> {
    const [row] = await this.sql.query<CountColumns>(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE
         SET used = cs_call_counts.used + excluded.used, updated_at = excluded.updated_at
       RETURNING ${RETURNED}`,
      [shop.source, shop.shopId, dayStart, n, now],
    );
    return this.saw(shop, dayStart, row!).used;
  }

  async get(shop: ShopRef, dayStart: number): Promise<DayCount> {
    const [row] = await this.sql.query<CountColumns>(
      `SELECT ${RETURNED} FROM cs_call_counts WHERE source = $1 AND shop_id = $2 AND day_start = $3`,
      [shop.source, shop.shopId, dayStart],
    );
    return row ? this.saw(shop, dayStart, row) : NONE;
  }

  known(shop: ShopRef, dayStart: number): DayCount {
    const w = this.watched.get(keyOf(shop, dayStart));
    if (w) return w.count;
    this.watch(shop, dayStart, NONE);
    // Its first read now, not at the next tick (nor behind a periodic read already under way).
    this.get(shop, dayStart).catch((err: unknown) => this.opts.onRefreshError?.(err));
    return NONE;
  }

  markExhausted(shop: ShopRef, dayStart: number, until: number, now: number): Promise<void> {
    return this.setColumn("exhausted_until", shop, dayStart, until, now);
  }

  recordSweepPages(shop: ShopRef, dayStart: number, pages: number, now: number): Promise<void> {
    return this.setColumn("sweep_pages", shop, dayStart, pages, now);
  }

  /** Sets one column of the shop's row of the day (made with nothing used when missing) and notes the row. */
  private async setColumn(
    column: "exhausted_until" | "sweep_pages",
    shop: ShopRef,
    dayStart: number,
    value: number,
    now: number,
  ): Promise<void> {
    const [row] = await this.sql.query<CountColumns>(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, ${column}, updated_at)
       VALUES ($1, $2, $3, 0, $4, $5)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE
         SET ${column} = excluded.${column}, updated_at = excluded.updated_at
       RETURNING ${RETURNED}`,
      [shop.source, shop.shopId, dayStart, value, now],
    );
    this.saw(shop, dayStart, row!);
  }

  /** Forgets days that started before `olderThan` (ms), as the SQLite store's retention does. Returns how many rows. */
  async prune(olderThan: number): Promise<number> {
    const rows = await this.sql.query("DELETE FROM cs_call_counts WHERE day_start < $1 RETURNING 1", [
      olderThan,
    ]);
    return rows.length;
  }

  /** Stops the periodic reads (the pool is the caller's to end). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Reads every day watched again (one statement); a read already under way is shared. Also forgets days two
   * or more days older than the newest day watched for their shop (today's and yesterday's are what `usage` reads).
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.readWatched().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readWatched(): Promise<void> {
    this.forgetOldDays();
    const days = [...this.watched.values()];
    if (days.length === 0) return;
    const writesBefore = days.map((w) => w.writes);
    let rows: Array<CountColumns & { source: ShopRef["source"]; shop_id: string; day_start: number }>;
    try {
      rows = await this.sql.query(
        `SELECT c.source, c.shop_id, c.day_start, c.used, c.exhausted_until, c.sweep_pages
         FROM cs_call_counts c
         JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS w (source, shop_id, day_start)
           USING (source, shop_id, day_start)`,
        [days.map((w) => w.shop.source), days.map((w) => w.shop.shopId), days.map((w) => w.dayStart)],
      );
    } catch (err) {
      this.opts.onRefreshError?.(err);
      return;
    }
    const found = new Map(rows.map((r) => [keyOf({ source: r.source, shopId: r.shop_id }, r.day_start), r]));
    days.forEach((w, i) => {
      if (w.writes !== writesBefore[i]) return; // a write of ours returned a newer sight meanwhile
      const r = found.get(keyOf(w.shop, w.dayStart));
      w.count = r ? merged(w.count, r) : NONE;
    });
  }

  /** A row a write or read returned: the day's latest sight (the day is watched from now on). */
  private saw(shop: ShopRef, dayStart: number, row: CountColumns): DayCount {
    const w = this.watched.get(keyOf(shop, dayStart)) ?? this.watch(shop, dayStart, NONE);
    w.count = merged(w.count, row);
    w.writes += 1;
    return countOf(row);
  }

  private watch(shop: ShopRef, dayStart: number, count: DayCount): Watched {
    const w: Watched = { shop: { source: shop.source, shopId: shop.shopId }, dayStart, count, writes: 0 };
    this.watched.set(keyOf(shop, dayStart), w);
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => void this.refresh(), this.refreshMs);
      this.timer.unref();
    }
    return w;
  }

  private forgetOldDays(): void {
    const newest = new Map<string, number>();
    for (const w of this.watched.values()) {
      const shop = keyOf(w.shop, 0);
      newest.set(shop, Math.max(newest.get(shop) ?? w.dayStart, w.dayStart));
    }
    for (const [key, w] of this.watched)
      if (w.dayStart < (newest.get(keyOf(w.shop, 0)) ?? 0) - DAY_MS) this.watched.delete(key);
  }
}

function keyOf(shop: ShopRef, dayStart: number): string {
  return `${shop.source}\u0000${shop.shopId}\u0000${dayStart}`;
}

function countOf(r: CountColumns): DayCount {
  return { used: r.used, exhaustedUntil: r.exhausted_until, sweepPages: r.sweep_pages };
}

/**
 * A newer sight of a day: its count never goes down (calls are only added), so answers that arrive out of order
 * (two takes at once) keep the higher one; the marks come from the row read.
 */
function merged(seen: DayCount, r: CountColumns): DayCount {
  return { ...countOf(r), used: Math.max(seen.used, r.used) };
}
