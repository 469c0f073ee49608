/**
 * What the state-part contract suites (pending leads, reply waits, shop status, retention) get from a backend: the
 * engine's store and the parts beside it, all on one fresh database, plus raw SQL for seeding and counting rows.
 * Run by test/store/sqlite-state-parts-contract.test.ts and test/store/postgres-state-parts.test.ts.
 */
import type { PendingLeadsPort } from "../../src/bridge/pending-leads-port.js";
import type { ReplyGuardStore } from "../../src/bridge/reply-guard-store.js";
import type { EngineStore } from "../../src/bridge/store-port.js";
import type { ImportsPort } from "../../src/store/imports.js";
import type { PruneCounts, RetentionPass } from "../../src/store/retention.js";
import type { ShopStatus } from "../../src/store/shop-status.js";
import type { Store } from "../../src/store/store.js";

export interface StatePartsHarness {
  engine: EngineStore;
  pendingLeads: PendingLeadsPort;
  replyWaits: ReplyGuardStore;
  shopStatus: { listShopStatus(): Promise<ShopStatus[]> };
  pruner: RetentionPass;
  /** What the daemon hands startRetention on this backend, where that is not `pruner` (SQLite: the store itself). */
  retentionState?: Store | RetentionPass;
  imports: ImportsPort;
  /**
   * Runs one statement written with `?` placeholders (both backends' tables have the same columns) and returns
   * its rows (a SELECT, or a write with RETURNING; none otherwise).
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Closes everything the harness opened. */
  close(): Promise<void>;
}

export type StatePartsFactory = () => Promise<StatePartsHarness>;

export type { PruneCounts };

/** The harness of the running test, set by useStateParts' beforeEach. */
export interface StatePartsContext {
  harness: StatePartsHarness;
}
