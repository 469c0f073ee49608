/**
 * Everything a `serve` replica plugs into the clients and the engine, from one coordinator, so the daemon's wiring
 * is one call: the token store wrapped with the refresh lock, the shared budgets of the Kommo limiter and the
 * Tokopedia gate, and the poller's `sweepsShop` over the replica's shop leases. With the in-process coordinator
 * (SQLite) every hook is a no-op in effect: the process holds every lease and every budget alone.
 */
import type { TokenStore } from "../auth/token-store.js";
import type { SourceKind } from "../domain/index.js";
import { shopKey } from "../domain/marketplace.js";
import { KOMMO_REQUESTS_PER_WINDOW, KOMMO_WINDOW_MS } from "../kommo/limiter.js";
import { budgetGate, kommoBudgetKey, tokopediaBudgetKey } from "./budget-gate.js";
import type { Coordinator } from "./port.js";
import { withClusterRefreshLock } from "./refresh-lock.js";
import { ShopLeases, type ShopLeasesOptions } from "./shop-leases.js";

const TOKOPEDIA_WINDOW_MS = 1_100;

export interface ReplicaHooksOptions extends Omit<ShopLeasesOptions, "coordinator"> {
  coordinator: Coordinator;
  /** Sleep of the budget waits (tests); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplicaHooks {
  leases: ShopLeases;
  /** The state's token store, its refreshes under the cluster's lock (TokenStore.withRefreshLock). */
  tokenStore(store: TokenStore): TokenStore;
  /** KommoLimiterOptions.shared for the account the limiter is keyed by. */
  kommoShared(limiterKey: string): () => Promise<void>;
  /** TokopediaClientOptions.sharedRate for an app and its configured rate per endpoint. */
  tokopediaShared(appName: string, requestsPerSecond: number): (endpoint: string) => Promise<void>;
  /** PollerOptions.sweepsShop: this replica holds the shop's lease. */
  sweepsShop(shop: { source: SourceKind; shopId: string }): boolean;
}

export function replicaHooks(o: ReplicaHooksOptions): ReplicaHooks {
  const leases = new ShopLeases(o);
  const clock = { ...(o.now ? { now: o.now } : {}), ...(o.sleep ? { sleep: o.sleep } : {}) };
  const kommo = budgetGate({
    coordinator: o.coordinator,
    budget: { limit: KOMMO_REQUESTS_PER_WINDOW, windowMs: KOMMO_WINDOW_MS },
    ...clock,
  });
  // One wrapper per store: the clients' in-process single-flight is keyed by the store object, so every client
  // of an account must get the same one (else each would wait for the cluster's lock on its own connection).
  const wrapped = new WeakMap<TokenStore, TokenStore>();
  const tokenStore = (store: TokenStore) => {
    let w = wrapped.get(store);
    if (!w) {
      w = withClusterRefreshLock(store, o.coordinator);
      wrapped.set(store, w);
    }
    return w;
  };
  return {
    leases,
    tokenStore,
    kommoShared: (limiterKey) => () => kommo(kommoBudgetKey(limiterKey)),
    tokopediaShared: (appName, requestsPerSecond) => {
      const gate = budgetGate({
        coordinator: o.coordinator,
        // The app's rate per second, with Kommo's margin: requests leaving evenly spaced may arrive less so, and
        // a sliding window of the rate per 1.1 s never asks more of Tokopedia's bucket than it refills.
        budget: { limit: Math.max(1, Math.floor(requestsPerSecond)), windowMs: TOKOPEDIA_WINDOW_MS },
        ...clock,
      });
      return (endpoint) => gate(tokopediaBudgetKey(appName, endpoint));
    },
    sweepsShop: (shop) => leases.holds(shopKey(shop.source, shop.shopId)),
  };
}
