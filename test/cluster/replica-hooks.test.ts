/** The daemon's one-call wiring of a replica (src/cluster/replica-hooks.ts), on the in-process coordinator. */
import { describe, expect, it } from "vitest";
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import { MemoryCoordinator } from "../../src/cluster/memory.js";
import { replicaHooks } from "../../src/cluster/replica-hooks.js";

function hooks() {
  const waits: number[] = [];
  const h = replicaHooks({
    coordinator: new MemoryCoordinator(),
    shopKeys: () => ["tokopedia:1", "tiktokshop:2"],
    now: () => 7_000_000,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { h, waits };
}

describe("replica hooks", () => {
  it("Kommo: 7 per 1100 ms per account, cluster-wide", async () => {
    const { h, waits } = hooks();
    const acme = h.kommoShared("https://kommo|acme");
    for (let i = 0; i < 8; i++) await acme();
    await h.kommoShared("https://kommo|other")();
    expect(waits).toEqual([1_100]);
  });

  it("Tokopedia: the app's rate per endpoint", async () => {
    const { h, waits } = hooks();
    const app = h.tokopediaShared("app", 5.5);
    for (let i = 0; i < 6; i++) await app("/v1/chat/messages");
    await app("/v1/chat/rooms");
    expect(waits).toEqual([1_100]);
  });

  it("sweepsShop follows the replica's leases; the token store gets the refresh lock", async () => {
    const { h } = hooks();
    expect(h.sweepsShop({ source: "tokopedia", shopId: "1" })).toBe(false);
    await h.leases.tick();
    expect(h.sweepsShop({ source: "tokopedia", shopId: "1" })).toBe(true);
    expect(h.sweepsShop({ source: "tiktokshop", shopId: "2" })).toBe(true);
    expect(h.sweepsShop({ source: "tokopedia", shopId: "9" })).toBe(false);
    const state = new MemoryTokenStore();
    const store = h.tokenStore(state);
    expect(await store.withRefreshLock?.("kommo:acme", async () => "locked")).toBe("locked");
    // Every client of the store gets the same wrapper: their in-process single-flight stays shared.
    expect(h.tokenStore(state)).toBe(store);
  });
});
