/**
 * Each shop's poll sweep runs on one replica at a time: a poller given the `sweepsShop` hook sweeps only the shops
 * its replica holds the lease of (start-up sweep and periodic ones), and picks up a shop once its lease moves to
 * it. Without the hook every shop is swept, as before. A stand-in marketplace counts the listing calls; the
 * periodic sweeps run on a manual clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/bridge/metrics.js";
import { Poller } from "../../src/bridge/poller.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { type KommoAccountBinding, type ShopBinding, Topology } from "../../src/bridge/topology.js";
import type { MarketplaceSource } from "../../src/sources/types.js";
import { openStore, type Store } from "../../src/store/index.js";
import { ManualTimers } from "../helpers/manual-timers.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function world(sweepsShop?: (shop: ShopBinding) => boolean) {
  const dir = mkdtempSync(join(tmpdir(), "tk-poller-lease-"));
  const store: Store = openStore(join(dir, "state.db"));
  const listed: string[] = [];
  const marketplace = {
    listRooms: async (shopId: string) => {
      listed.push(shopId);
      return [];
    },
  } as unknown as MarketplaceSource;
  const kommo = { name: "k", scopeId: "scope", channelSecret: "s" } as unknown as KommoAccountBinding;
  const app = { source: "tokopedia" as const, name: "app", marketplace };
  const topology = new Topology(
    ["1", "2", "3"].map((shopId) => ({ source: "tokopedia" as const, shopId, shopName: shopId, app, kommo })),
  );
  const timers = new ManualTimers();
  const poller = new Poller({
    store: new SqliteEngineStore(store, 3),
    topology,
    metrics: createMetrics(),
    intervalMs: 10_000,
    periodic: true,
    initialLookbackMs: 60_000,
    notify: () => {},
    now: timers.now,
    timers,
    ...(sweepsShop ? { sweepsShop } : {}),
  });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => store.close());
  cleanup.push(() => poller.stop());
  return { poller, listed, timers };
}

describe("poll sweeps under shop leases", () => {
  it("sweeps only the shops whose lease this replica holds, and a shop once its lease moves here", async () => {
    const held = new Set(["tokopedia:1"]);
    const w = world((shop) => held.has(`${shop.source}:${shop.shopId}`));
    await w.poller.start();
    expect(w.listed).toEqual(["1"]);
    await w.timers.advance(20_000);
    expect(w.listed.filter((s) => s !== "1")).toEqual([]);
    expect(w.listed.length).toBeGreaterThan(1);
    // The replica holding shop 3 died; its lease moved here.
    held.add("tokopedia:3");
    w.listed.length = 0;
    await w.timers.advance(30_000);
    expect(new Set(w.listed)).toEqual(new Set(["1", "3"]));
  });

  it("without the hook, every shop is swept", async () => {
    const w = world();
    await w.poller.start();
    expect([...w.listed].sort()).toEqual(["1", "2", "3"]);
  });
});
