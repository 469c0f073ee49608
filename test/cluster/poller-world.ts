/**
 * A poller over a stand-in marketplace of three Tokopedia shops that counts the listing calls (`listed`, shop ids in
 * order), on a manual clock, for the tests of sweeps under shop leases. `cleanup()` stops and removes it all.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMetrics } from "../../src/bridge/metrics.js";
import { Poller } from "../../src/bridge/poller.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { type KommoAccountBinding, type ShopBinding, Topology } from "../../src/bridge/topology.js";
import type { MarketplaceSource } from "../../src/sources/types.js";
import { openStore, type Store } from "../../src/store/index.js";
import { ManualTimers } from "../helpers/manual-timers.js";

export const SHOP_IDS = ["1", "2", "3"];

const cleanup: (() => Promise<void> | void)[] = [];

export async function cleanupWorlds(): Promise<void> {
  for (const c of cleanup.splice(0).reverse()) await c();
}

export function pollerWorld(sweepsShop?: (shop: ShopBinding) => boolean, timers = new ManualTimers()) {
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
    SHOP_IDS.map((shopId) => ({ source: "tokopedia" as const, shopId, shopName: shopId, app, kommo })),
  );
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
