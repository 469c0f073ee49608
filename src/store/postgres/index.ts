/**
 * The PostgreSQL state backend: the engine's store, and the state parts the daemon uses beside it, each built on a
 * `Sql` (poolSql(store.pool)).
 */

export { PgCallCounts, type PgCallCountsOptions } from "./call-counts.js";
export { PostgresEngineStore, type PostgresStoreOptions } from "./engine-store.js";
export { PgOrderNotes } from "./order-notes.js";
export { PgPendingLeads } from "./pending-leads.js";
export { PgReplyWaits } from "./reply-waits.js";
export { PgPruner } from "./retention.js";
export { PgShopStatus } from "./shop-status.js";
export { inTransaction, poolSql, type Sql } from "./sql.js";
export { PgTokenStore, type PgTokenStoreOptions } from "./tokens.js";
