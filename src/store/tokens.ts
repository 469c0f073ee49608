import type { Database, Statement } from "better-sqlite3";
import type { StoredToken, TokenStore } from "../auth/token-store.js";
import { TkError } from "../errors/index.js";

/**
 * TokenStore over the `tokens` table. Each save is a single statement (atomic on its own), so a rotated
 * single-use refresh token is durable before save() returns — callers save the new pair before using it.
 * Keys are chosen by the auth code (e.g. `kommo:acme`, `tiktokshop:tts:7494049642642441621`).
 */
export class SqliteTokenStore implements TokenStore {
  private readonly selectStmt: Statement<[string]>;
  private readonly upsertStmt: Statement<[string, string, number]>;
  private readonly deleteStmt: Statement<[string]>;
  private readonly keysStmt: Statement<[string, string]>;

  constructor(db: Database) {
    this.selectStmt = db.prepare("SELECT value_json FROM tokens WHERE key = ?");
    this.upsertStmt = db.prepare(
      `INSERT INTO tokens (key, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
    );
    this.deleteStmt = db.prepare("DELETE FROM tokens WHERE key = ?");
    // Positional twice: better-sqlite3 counts `?1` used twice as two parameters and refuses one value.
    this.keysStmt = db.prepare("SELECT key FROM tokens WHERE substr(key, 1, length(?)) = ? ORDER BY key");
  }

  load(key: string): StoredToken | undefined {
    const row = this.selectStmt.get(key) as { value_json: string } | undefined;
    return row ? parseStoredToken(key, row.value_json) : undefined;
  }

  save(key: string, token: StoredToken): void {
    this.upsertStmt.run(key, JSON.stringify(token), Date.now());
  }

  delete(key: string): void {
    this.deleteStmt.run(key);
  }

  /** Keys that start with `prefix` (e.g. every TikTok Shop seller of one app: `tiktokshop:{app}:`). */
  keys(prefix: string): string[] {
    return (this.keysStmt.all(prefix, prefix) as { key: string }[]).map((r) => r.key);
  }
}

/**
 * A stored token from its row's JSON; TK_ERR_STATE_CORRUPT (naming the key, never the token) when it is not one.
 * Shared by the SQLite and PostgreSQL token stores.
 */
export function parseStoredToken(key: string, json: string): StoredToken {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw unreadable(key, err);
  }
  if (!isStoredToken(value)) throw unreadable(key);
  return value;
}

function isStoredToken(v: unknown): v is StoredToken {
  if (typeof v !== "object" || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    typeof t.accessToken === "string" && typeof t.expiresAt === "number" && typeof t.obtainedAt === "number"
  );
}

function unreadable(key: string, cause?: unknown): TkError {
  // The key names the account, never the token itself.
  return new TkError("TK_ERR_STATE_CORRUPT", `The stored token "${key}" in the state file is unreadable.`, {
    fix: "Authorize that account again (tokokommo init or shops add); the new token replaces the unreadable one.",
    details: { key },
    cause,
  });
}
