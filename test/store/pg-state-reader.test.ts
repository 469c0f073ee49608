/**
 * The read-only PostgreSQL state reader (`status`, `doctor`): closing it stops everything it started. Reading a
 * call count starts the counts' periodic refresh; a reader closed without stopping it would go on querying its
 * ended pool every few seconds for as long as the process lives (a test run, an embedding program).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { openPgStateReader } from "../../src/store/postgres/state-reader.js";
import { migratedDatabase } from "../helpers/pg-token-stores.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";

const pg = usePostgres();

afterEach(() => {
  vi.restoreAllMocks();
});

describe("PostgreSQL state reader", () => {
  it("close() stops the call counts' refresh timer it started by reading them", async () => {
    const url = await migratedDatabase(pg());
    const shop = { source: "tiktokshop", shopId: "7494049642642441621" } as const;
    await queryOnce(
      url,
      "INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at) VALUES ($1, $2, 0, 5, 0)",
      [shop.source, shop.shopId],
    );
    const started = vi.spyOn(globalThis, "setInterval");
    const stopped = vi.spyOn(globalThis, "clearInterval");
    const reader = await openPgStateReader(url, {});
    expect((await reader.callCounts.get(shop, 0)).used).toBe(5);
    const timers = started.mock.results.map((r) => r.value);
    expect(timers.length).toBeGreaterThan(0);
    await reader.close();
    const cleared = stopped.mock.calls.map((c) => c[0]);
    for (const timer of timers) expect(cleared).toContain(timer);
  });
});
