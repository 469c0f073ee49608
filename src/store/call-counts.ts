import type { Database, Statement } from "better-sqlite3";
import type { CallCountsPort, TakeResult } from "../sources/tiktokshop/quota.js";
import type { ShopRef } from "./keys.js";

/** One shop's count for one quota day. */
export interface DayCount {
  used: number;
  /** Set when the platform refused a call for the daily quota: no call before this time (ms). */
  exhaustedUntil: number | null;
  /** List calls the shop's last sweep of that day took (null before the first). */
  sweepPages: number | null;
}

/**
 * Upstream calls per shop per quota day (table cs_call_counts): what the TikTok Shop client spends of the
 * shop's daily Customer Service quota. The day is named by its start (ms); the caller decides where days begin.
 * Each method runs synchronously on the file (one process holds it), so each is atomic and `known` is exact; the
 * promises are the port's shape, which the PostgreSQL backend needs.
 */
export class CallCountsRepo implements CallCountsPort {
  private readonly takeStmt: Statement;
  private readonly addStmt: Statement;
  private readonly getStmt: Statement;
  private readonly exhaustedStmt: Statement;
  private readonly pruneStmt: Statement<[number]>;
  private readonly pagesStmt: Statement;

  constructor(db: Database) {
    // The SELECT's WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
    this.takeStmt = db.prepare(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at)
       SELECT @source, @shopId, @dayStart, @n, @now WHERE @n <= @cap
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET used = used + @n, updated_at = @now
         WHERE used + @n <= @cap AND (exhausted_until IS NULL OR exhausted_until <= @now)
       RETURNING used, exhausted_until AS exhaustedUntil, sweep_pages AS sweepPages`,
    );
    this.addStmt = db.prepare(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at)
       VALUES (@source, @shopId, @dayStart, @n, @now)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET used = used + @n, updated_at = @now
       RETURNING used`,
    );
    this.getStmt = db.prepare(
      `SELECT used, exhausted_until AS exhaustedUntil, sweep_pages AS sweepPages FROM cs_call_counts
       WHERE source = @source AND shop_id = @shopId AND day_start = @dayStart`,
    );
    this.exhaustedStmt = db.prepare(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, exhausted_until, updated_at)
       VALUES (@source, @shopId, @dayStart, 0, @until, @now)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET exhausted_until = @until, updated_at = @now`,
    );
    this.pagesStmt = db.prepare(
      `INSERT INTO cs_call_counts (source, shop_id, day_start, used, sweep_pages, updated_at)
       VALUES (@source, @shopId, @dayStart, 0, @pages, @now)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET sweep_pages = @pages, updated_at = @now`,
    );
    this.pruneStmt = db.prepare("DELETE FROM cs_call_counts WHERE day_start < ?");
  }

  async take(shop: ShopRef, dayStart: number, n: number, cap: number, now: number): Promise<TakeResult> {
    const row = this.takeStmt.get({ source: shop.source, shopId: shop.shopId, dayStart, n, cap, now }) as
      | DayCount
      | undefined;
    return row ? { taken: true, count: row } : { taken: false, count: this.known(shop, dayStart) };
  }

  /** Adds `n` calls to the shop's day; returns the day's new total. */
  async add(shop: ShopRef, dayStart: number, n: number, now: number): Promise<number> {
    const row = this.addStmt.get({ source: shop.source, shopId: shop.shopId, dayStart, n, now }) as {
      used: number;
    };
    return row.used;
  }

  async get(shop: ShopRef, dayStart: number): Promise<DayCount> {
    return this.known(shop, dayStart);
  }

  known(shop: ShopRef, dayStart: number): DayCount {
    const row = this.getStmt.get({ source: shop.source, shopId: shop.shopId, dayStart }) as
      | DayCount
      | undefined;
    return row ?? { used: 0, exhaustedUntil: null, sweepPages: null };
  }

  /** The platform said the day's quota is used up: no call until `until` (the day's end). */
  async markExhausted(shop: ShopRef, dayStart: number, until: number, now: number): Promise<void> {
    this.exhaustedStmt.run({ source: shop.source, shopId: shop.shopId, dayStart, until, now });
  }

  /** Records how many list calls the shop's latest sweep took. */
  async recordSweepPages(shop: ShopRef, dayStart: number, pages: number, now: number): Promise<void> {
    this.pagesStmt.run({ source: shop.source, shopId: shop.shopId, dayStart, pages, now });
  }

  /** Forgets days that started before `olderThan` (ms). Returns how many rows. */
  prune(olderThan: number): number {
    return this.pruneStmt.run(olderThan).changes;
  }
}
