/**
 * Gives a TokenStore the cluster's refresh lock: the Kommo and TikTok Shop clients run each refresh of a token
 * under `store.withRefreshLock` when the store has it (src/auth/token-store.ts), so wrapping the state's token
 * store once makes every refresh of every replica single-flight cluster-wide. A refresh token works once: two
 * replicas presenting the same one lose the integration (the second is refused, and the account must be
 * authorized again).
 *
 * A store that keeps a copy in memory and writes behind (SharedTokenStore: PostgreSQL replicas) needs two more
 * steps inside the lock, or the lock protects nothing: the copy of the key is read again from the database first
 * (another replica may have refreshed while this one waited, and its copy still holds the spent refresh token),
 * and what the refresh saved is committed before the lock is released (else the next replica to take it would
 * read the old pair). A commit that fails fails the refresh: the new pair stays in this replica's copy and is
 * written when the database takes it.
 */
import { isSharedTokenStore, type SharedTokenStore, type TokenStore } from "../auth/token-store.js";
import type { Coordinator } from "./port.js";

/** `store`, whose refreshes take `coordinator`'s refresh lock of their token key. */
export function withClusterRefreshLock(store: TokenStore, coordinator: Coordinator): TokenStore {
  const shared = isSharedTokenStore(store) ? store : undefined;
  return {
    load: (key) => store.load(key),
    save: (key, token) => store.save(key, token),
    delete: (key) => store.delete(key),
    withRefreshLock: (key, fn) =>
      coordinator.withRefreshLock(`refresh:${key}`, shared ? () => refreshShared(shared, key, fn) : fn),
  };
}

/** Inside the lock: re-read the key, refresh, commit. */
async function refreshShared<T>(store: SharedTokenStore, key: string, fn: () => Promise<T>): Promise<T> {
  await store.reloadKey(key);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // What a failed refresh saved (its marker, a refusal remembered) is committed too. Should that fail as well,
    // the store has logged it and keeps retrying; the refresh's own error is the one the caller needs.
    await store.flush().catch(() => {});
    throw err;
  }
  await store.flush();
  return result;
}
