/**
 * Gives a TokenStore the cluster's refresh lock: the Kommo and TikTok Shop clients run each refresh of a token
 * under `store.withRefreshLock` when the store has it (src/auth/token-store.ts), so wrapping the state's token
 * store once makes every refresh of every replica single-flight cluster-wide. A refresh token works once: two
 * replicas presenting the same one lose the integration (the second is refused, and the account must be
 * authorized again).
 */
import type { TokenStore } from "../auth/token-store.js";
import type { Coordinator } from "./port.js";

/** `store`, whose refreshes take `coordinator`'s refresh lock of their token key. */
export function withClusterRefreshLock(store: TokenStore, coordinator: Coordinator): TokenStore {
  return {
    load: (key) => store.load(key),
    save: (key, token) => store.save(key, token),
    delete: (key) => store.delete(key),
    withRefreshLock: (key, fn) => coordinator.withRefreshLock(`refresh:${key}`, fn),
  };
}
