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
