/**
 * Where clients keep tokens between calls and across restarts. The state store implements this over SQLite
 * (tokens table), and over PostgreSQL for replicas with a copy in memory that writes through (SharedTokenStore
 * below); tests may use MemoryTokenStore. Synchronous on purpose: better-sqlite3 is synchronous, and a rotated
 * OAuth refresh token must be written before the new access token is used (single-use refresh tokens); on
 * PostgreSQL the refresh lock commits it before another replica may refresh.
 */
export interface StoredToken {
  accessToken: string;
  refreshToken?: string;
  /** Access token expiry, ms since epoch. */
  expiresAt: number;
  /** Refresh token expiry, ms since epoch, when the platform says. */
  refreshExpiresAt?: number;
  /** When this token was obtained, ms since epoch. */
  obtainedAt: number;
  /** Non-secret extras (scopes, seller name, open_id...). */
  meta?: Record<string, unknown>;
}

export interface TokenStore {
  load(key: string): StoredToken | undefined;
  save(key: string, token: StoredToken): void;
  delete(key: string): void;
  /**
   * Runs a refresh of `key`'s token holding a lock shared by every process on the same state (replicas on one
   * database: src/cluster/refresh-lock.ts). `fn` re-reads the token inside and refreshes only if it is still the
   * expired one. Absent: one process per state, and the clients' own single-flight is enough.
   */
  withRefreshLock?<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * A token store shared by several processes that each keep a copy in memory (PostgreSQL replicas): load() reads
 * the copy, save() and delete() write through in the background. The cluster's refresh lock
 * (src/cluster/refresh-lock.ts) calls these two hooks so a refresh never starts from a stale copy and its result is
 * committed before another process may refresh.
 */
export interface SharedTokenStore extends TokenStore {
  /** Replaces the copy of `key` with what the database holds now (after committing this process's own writes). */
  reloadKey(key: string): Promise<void>;
  /** Resolves once every save and delete made so far is committed; rejects when one could not be. */
  flush(): Promise<void>;
}

export function isSharedTokenStore(store: TokenStore): store is SharedTokenStore {
  const s = store as Partial<SharedTokenStore>;
  return typeof s.reloadKey === "function" && typeof s.flush === "function";
}

/** Runs `fn` under the store's refresh lock of `key`, or directly when the store has none. */
export function underRefreshLock<T>(store: TokenStore, key: string, fn: () => Promise<T>): Promise<T> {
  return store.withRefreshLock ? store.withRefreshLock(key, fn) : fn();
}

export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  load(key: string): StoredToken | undefined {
    return this.tokens.get(key);
  }
  save(key: string, token: StoredToken): void {
    this.tokens.set(key, { ...token });
  }
  delete(key: string): void {
    this.tokens.delete(key);
  }
}
