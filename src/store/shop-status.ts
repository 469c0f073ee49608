import type { Database, Statement } from "better-sqlite3";
import type { SourceKind } from "../domain/index.js";
import type { ShopRef } from "./keys.js";

export interface ShopStatus extends ShopRef {
  lastSyncAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorCode: string | null;
  lastErrorAt: number | null;
  /** No error yet, or a success after the latest error. */
  healthy: boolean;
}

/** A shop_status row (both backends). */
export interface ShopStatusRow {
  source: string;
  shop_id: string;
  last_sync_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_error_code: string | null;
  last_error_at: number | null;
}

/**
 * Per-shop health for `status`, `doctor` and /readyz. The last error is kept after a later success (so status can
 * say "recovered, last error was..."); `healthy` compares the times.
 */
export class ShopStatusRepo {
  private readonly successStmt: Statement;
  private readonly errorStmt: Statement;
  private readonly listStmt: Statement<[]>;

  constructor(db: Database) {
    this.successStmt = db.prepare(
      `INSERT INTO shop_status (source, shop_id, last_sync_at, last_success_at) VALUES (@source, @shopId, @now, @now)
       ON CONFLICT (source, shop_id) DO UPDATE SET last_sync_at = @now, last_success_at = @now`,
    );
    this.errorStmt = db.prepare(
      `INSERT INTO shop_status (source, shop_id, last_sync_at, last_error, last_error_code, last_error_at)
       VALUES (@source, @shopId, @now, @error, @code, @now)
       ON CONFLICT (source, shop_id) DO UPDATE SET last_sync_at = @now, last_error = @error, last_error_code = @code,
         last_error_at = @now`,
    );
    this.listStmt = db.prepare("SELECT * FROM shop_status ORDER BY source, shop_id");
  }

  recordSyncSuccess(shop: ShopRef, now: number = Date.now()): void {
    this.successStmt.run({ source: shop.source, shopId: shop.shopId, now });
  }

  /** `code` is a TK_ERR_* code when known; `error` a readable line (never a secret). */
  recordShopError(shop: ShopRef, err: { error: string; code?: string }, now: number = Date.now()): void {
    this.errorStmt.run({
      source: shop.source,
      shopId: shop.shopId,
      error: err.error,
      code: err.code ?? null,
      now,
    });
  }

  listShopStatus(): ShopStatus[] {
    return (this.listStmt.all() as ShopStatusRow[]).map(shopStatusOf);
  }
}

/** A row as `status`, `doctor` and /readyz read it: healthy unless an error came after the last success. */
export function shopStatusOf(r: ShopStatusRow): ShopStatus {
  return {
    source: r.source as SourceKind,
    shopId: r.shop_id,
    lastSyncAt: r.last_sync_at,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    lastErrorCode: r.last_error_code,
    lastErrorAt: r.last_error_at,
    healthy: r.last_error_at === null || (r.last_success_at !== null && r.last_success_at >= r.last_error_at),
  };
}
