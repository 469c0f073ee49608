/**
 * The pending-leads table (leads whose enrichment waits for their acceptance): the SQLite repository keeps one row
 * per (shop, lead), keeps the conversation when known, and forgets a row on remove; the migration's SQL and the
 * repository's insert also run unchanged on PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";
import { PENDING_LEAD_ENRICHMENT_SQL } from "../../src/store/migrations/0009-pending-lead-enrichment.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

describe("pending leads in the state file", () => {
  let dir: string;
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pending-leads-"));
    store = openStore(join(dir, "state.db"));
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds once per (shop, lead), lists oldest first with the conversation when known, removes", async () => {
    const repo = store.pendingLeads;
    await repo.add({ shopKey: "tokopedia:1", leadId: 20, amojoChatId: "c2", tags: ["A", "B"], since: 200 });
    await repo.add({
      shopKey: "tokopedia:1",
      leadId: 10,
      amojoChatId: "c1",
      roomId: "r1",
      tags: ["A"],
      since: 100,
    });
    await repo.add({ shopKey: "tokopedia:1", leadId: 10, amojoChatId: "other", tags: [], since: 300 });
    expect(await repo.count()).toBe(2);
    expect(await repo.list()).toEqual([
      { shopKey: "tokopedia:1", leadId: 10, amojoChatId: "c1", roomId: "r1", tags: ["A"], since: 100 },
      { shopKey: "tokopedia:1", leadId: 20, amojoChatId: "c2", tags: ["A", "B"], since: 200 },
    ]);
    await repo.remove("tokopedia:1", 10);
    expect((await repo.list()).map((l) => l.leadId)).toEqual([20]);
  });
});

describe("the same table on PostgreSQL", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs the migration's SQL and an insert that ignores a second add", async () => {
    const client = new pg.Client({ connectionString: await server.createDatabase() });
    await client.connect();
    try {
      await client.query(PENDING_LEAD_ENRICHMENT_SQL);
      const insert = `INSERT INTO pending_lead_enrichment (shop_key, lead_id, amojo_chat_id, room_id, tags, since)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (shop_key, lead_id) DO NOTHING`;
      const big = 9_007_199_254_740_991; // lead ids are Kommo integers: BIGINT holds any of them
      await client.query(insert, ["tiktokshop:7", big, "c", null, "[]", Date.now()]);
      await client.query(insert, ["tiktokshop:7", big, "c", "r", "[]", Date.now()]);
      const rows = await client.query("SELECT lead_id, room_id FROM pending_lead_enrichment");
      expect(rows.rows).toEqual([{ lead_id: String(big), room_id: null }]);
    } finally {
      await client.end();
    }
  });
});
