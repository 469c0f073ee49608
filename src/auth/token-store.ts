/**
 * Where clients keep tokens between calls and across restarts. The state store implements this over SQLite
 * (tokens table); tests may use MemoryTokenStore. Synchronous on purpose: better-sqlite3 is synchronous, and a
 * rotated OAuth refresh token must be written before the new access token is used (single-use refresh tokens).
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
