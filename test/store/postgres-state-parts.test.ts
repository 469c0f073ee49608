/**
 * The state parts contract on PostgreSQL (a real server, one throwaway cluster for this file, a database per
 * test), and what only PostgreSQL needs checking: the pruner's batches stay small.
 */
import { describe, expect, it } from "vitest";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { PgPendingLeads, PgPruner, PgReplyWaits, PgShopStatus } from "../../src/store/postgres/index.js";
import { poolSql, type Sql } from "../../src/store/postgres/sql.js";
import { usePostgres } from "../helpers/postgres.js";
import { runStatePartsContract } from "./state-parts.contract.js";

/** `?` placeholders to PostgreSQL's $1, $2, ... (the contract's SQL has no `?` inside literals). */
const numbered = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

describe("PostgreSQL state parts", () => {
  const server = usePostgres();

  runStatePartsContract("postgres", async () => {
    const engine = await PostgresEngineStore.open(await server().createDatabase(), { max: 4 });
    const sql = poolSql(engine.pool);
    return {
      engine,
      pendingLeads: new PgPendingLeads(sql),
      replyWaits: new PgReplyWaits(sql),
      shopStatus: new PgShopStatus(sql),
      pruner: new PgPruner(sql),
      query: <R>(text: string, params: unknown[] = []) => sql.query<R>(numbered(text), params),
      close: () => engine.close(),
    };
  });

  it("replicas taking in the same conversation's buyer message or reply at once start and end its wait once", async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresEngineStore.open(url, { max: 4 })));
    try {
      const waits = stores.map((s) => new PgReplyWaits(poolSql(s.pool)));
      const ref = { source: "tokopedia" as const, shopId: "481154", roomId: "r1" };
      const T0 = 1_764_000_000_000;
      for (let round = 0; round < 5; round++) {
        const at = T0 + round * 60_000;
        const started = await Promise.all(
          waits.flatMap((w) => [w, w].map((x) => x.buyerWrote(ref, { at }, at))),
        );
        expect(started.filter(Boolean)).toHaveLength(1);
        const ended = await Promise.all(
          waits.flatMap((w) => [w, w].map((x) => x.replied(ref, at + 1, at + 1))),
        );
        expect(ended.filter(Boolean)).toHaveLength(1);
      }
      const history = await waits[0]!.history("tokopedia", "481154", 0);
      expect(history).toHaveLength(5);
      expect(history.every((e, i) => e.firstReplyAt === T0 + i * 60_000 + 1)).toBe(true);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("two replicas pruning at once share the work: every old row deleted once, nothing needed deleted", async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all([1, 2].map(() => PostgresEngineStore.open(url, { max: 2 })));
    try {
      const DAY = 86_400_000;
      const NOW = 1_000 * DAY;
      const sql = poolSql(stores[0]!.pool);
      await sql.query(
        `INSERT INTO jobs (kind, state, run_after, created_at, updated_at)
         SELECT 'sync_room', CASE WHEN g % 10 = 0 THEN 'dead' ELSE 'done' END, $1::bigint + g, $1::bigint + g,
           $1::bigint + g FROM generate_series(1, 2000) AS g`,
        [NOW - 40 * DAY],
      );
      const passes = await Promise.all(
        stores.map((s) => new PgPruner(poolSql(s.pool)).prune({ now: NOW, days: 30, batchRows: 50 })),
      );
      expect(passes[0]!.jobs + passes[1]!.jobs).toBe(1_800);
      const left = await sql.query<{ state: string; n: number }>(
        "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state",
      );
      expect(left).toEqual([{ state: "dead", n: 200 }]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("deletes in batches of at most batchRows rows, one statement each", async () => {
    const engine = await PostgresEngineStore.open(await server().createDatabase(), { max: 2 });
    try {
      const DAY = 86_400_000;
      const NOW = 1_000 * DAY;
      const sql = poolSql(engine.pool);
      await sql.query(
        `INSERT INTO jobs (kind, state, run_after, created_at, updated_at)
         SELECT 'sync_room', 'done', $1::bigint + g, $1::bigint + g, $1::bigint + g FROM generate_series(1, 1234) AS g`,
        [NOW - 40 * DAY],
      );
      const sizes: number[] = [];
      const spy: Sql = {
        query: async <R>(text: string, params?: unknown[]) => {
          const rows = await sql.query<R>(text, params);
          const deleted = (rows[0] as { deleted?: unknown } | undefined)?.deleted;
          if (typeof deleted === "number") sizes.push(deleted);
          return rows;
        },
        atomic: (fn) => sql.atomic(fn),
      };
      const counts = await new PgPruner(spy).prune({ now: NOW, days: 30, batchRows: 100 });
      expect(counts.jobs).toBe(1_234);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
      expect(sizes.filter((n) => n > 0).length).toBeGreaterThanOrEqual(13);
    } finally {
      await engine.close();
    }
  });
});
