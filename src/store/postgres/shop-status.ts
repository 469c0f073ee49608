/**
 * Per-shop health over PostgreSQL, for the daemon's /readyz and `status`: the same rows as the SQLite
 * ShopStatusRepo.listShopStatus (store/shop-status.ts). The engine writes them through its store
 * (PgStoreTx.recordSyncSuccess / recordShopError, into the same shop_status table).
 */
import { type ShopStatus, type ShopStatusRow, shopStatusOf } from "../shop-status.js";
import type { Sql } from "./sql.js";

export class PgShopStatus {
  constructor(private readonly sql: Sql) {}

  /** Every shop with a recorded sync or error, by source then shop id; `healthy` as on SQLite. */
  async listShopStatus(): Promise<ShopStatus[]> {
    const rows = await this.sql.query<ShopStatusRow>(
      `SELECT source, shop_id, last_sync_at, last_success_at, last_error, last_error_code, last_error_at
       FROM shop_status ORDER BY source COLLATE "C", shop_id COLLATE "C"`,
    );
    return rows.map(shopStatusOf);
  }
}
