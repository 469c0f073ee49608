/**
 * The token store over PostgreSQL, shared by every `serve` replica on the database. The clients read tokens on
 * every call through a synchronous TokenStore, so each replica keeps a copy of the `tokens` table in memory:
 *
 * - open() reads every row; load() and keys() read the copy.
 * - save() and delete() change the copy at once and write through to the database in the background, in order per
 *   key (token-write-through.ts); flush() resolves when every write made so far is committed and rejects
 *   (TK_ERR_STATE_TOKEN_UNSAVED) when one is not; close() flushes.
 * - Every 30 s the copy is read again, so a replica follows the tokens other replicas refreshed. A key with a
 *   write of this replica not yet committed, or made while the rows were being read, keeps this replica's value.
 * - Refreshes: under the cluster's refresh lock (src/cluster/refresh-lock.ts), reloadKey() first replaces the
 *   key's copy with the database's row, the client refreshes only if that token is still the expired one, and
 *   flush() commits the new pair before the lock is released. A replica that waited then reads the new pair.
 *
 * Between two reloads a replica may still use an access token that another replica has just replaced: the
 * platforms keep the old one valid until its own expiry (docs/platforms/kommo.md, tiktokshop.md).
 */
import type { SharedTokenStore, StoredToken } from "../../auth/token-store.js";
import type { TkError } from "../../errors/index.js";
import { createLogger } from "../../log/index.js";
import { parseStoredToken } from "../tokens.js";
import type { Sql } from "./sql.js";
import { type TokenStoreLog, TokenWriteThrough } from "./token-write-through.js";

export interface PgTokenStoreOptions {
  /** How often the whole copy is read again (ms, default 30,000; 0: never, reload() by hand). */
  reloadEveryMs?: number;
  /** First wait before a failed write is tried again (ms, default 1,000), doubling up to 30 s. */
  retryBaseMs?: number;
  /** Where failed writes and reloads are reported (default: the process logger on stderr). */
  log?: TokenStoreLog;
  /** The clock of the rows' updated_at (default Date.now). */
  now?: () => number;
}

/** A row of the copy: the token, or why the stored row cannot be read (load() throws it, as SQLite's store does). */
type Entry = { token: StoredToken } | { unreadable: TkError };

/**
 * Where this replica's writes stood when a read of the database began: the latest write's number, and the keys
 * whose write was not committed yet (the read may or may not see it, so its rows of those keys are not taken).
 */
interface ReadMark {
  seq: number;
  unsaved: Set<string>;
}

const SELECT_ONE = "SELECT value_json FROM tokens WHERE key = $1";
const SELECT_ALL = "SELECT key, value_json FROM tokens";

export const DEFAULT_TOKEN_RELOAD_MS = 30_000;

export class PgTokenStore implements SharedTokenStore {
  private readonly copy = new Map<string, Entry>();
  /** The number of this replica's latest write of each key (see TokenWriteThrough.push). */
  private readonly localSeq = new Map<string, number>();
  private readonly writes: TokenWriteThrough;
  private readonly log: TokenStoreLog;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;

  private constructor(
    private readonly sql: Sql,
    opts: PgTokenStoreOptions,
  ) {
    this.log = opts.log ?? createLogger();
    this.writes = new TokenWriteThrough({
      sql,
      log: this.log,
      now: opts.now ?? Date.now,
      ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
      onSuperseded: (key, json, seq) => this.superseded(key, json, seq),
    });
  }

  /**
   * Reads every stored token, then keeps the copy in step every `reloadEveryMs`. `sql` runs on a pool of a database
   * whose schema is applied (e.g. `poolSql(engineStore.pool)` after PostgresEngineStore.open); close this store
   * before that pool ends, so its last writes are committed.
   */
  static async open(sql: Sql, opts: PgTokenStoreOptions = {}): Promise<PgTokenStore> {
    const store = new PgTokenStore(sql, opts);
    await store.reload();
    store.startReloading(opts.reloadEveryMs ?? DEFAULT_TOKEN_RELOAD_MS);
    return store;
  }

  load(key: string): StoredToken | undefined {
    const entry = this.copy.get(key);
    if (!entry) return undefined;
    if ("unreadable" in entry) throw entry.unreadable;
    return structuredClone(entry.token);
  }

  save(key: string, token: StoredToken): void {
    const own = structuredClone(token);
    this.copy.set(key, { token: own });
    this.localSeq.set(key, this.writes.push(key, own));
  }

  delete(key: string): void {
    this.copy.delete(key);
    this.localSeq.set(key, this.writes.push(key, undefined));
  }

  /** Keys that start with `prefix`, sorted (e.g. every TikTok Shop seller of one app: `tiktokshop:{app}:`). */
  keys(prefix: string): string[] {
    return [...this.copy.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  flush(): Promise<void> {
    return this.writes.flush();
  }

  /** Commits this replica's writes, then takes the database's row of `key` (or its absence) into the copy. */
  async reloadKey(key: string): Promise<void> {
    await this.writes.flush();
    const mark = this.readMark();
    const rows = await this.sql.query<{ value_json: string }>(SELECT_ONE, [key]);
    this.take(key, rows[0]?.value_json, mark);
  }

  /** Reads every row into the copy (keys gone from the database leave it), sparing this replica's newer writes. */
  reload(): Promise<void> {
    this.reloading ??= this.reloadAll().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /** Stops the periodic reload (close() does it too). */
  stopReloading(): void {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
  }

  /** Stops reloading and commits what is queued; rejects (TK_ERR_STATE_TOKEN_UNSAVED) when that fails. */
  async close(): Promise<void> {
    this.stopReloading();
    await this.writes.close();
  }

  private readMark(): ReadMark {
    return { seq: this.writes.lastSeq, unsaved: new Set(this.writes.unsavedKeys()) };
  }

  private async reloadAll(): Promise<void> {
    const mark = this.readMark();
    const rows = await this.sql.query<{ key: string; value_json: string }>(SELECT_ALL);
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.key);
      this.take(row.key, row.value_json, mark);
    }
    for (const key of [...this.copy.keys()]) if (!seen.has(key)) this.take(key, undefined, mark);
  }

  /**
   * Puts a row read from the database into the copy, unless this replica wrote the key after the read began or
   * had a write of it not committed when it began (`mark`): then the copy is newer than what was read.
   */
  private take(key: string, json: string | undefined, mark: ReadMark): void {
    if ((this.localSeq.get(key) ?? 0) > mark.seq || mark.unsaved.has(key) || this.writes.has(key)) return;
    if (json === undefined) this.copy.delete(key);
    else this.copy.set(key, entryOf(key, json));
  }

  /** The database kept a newer pair than the one saved by write `seq`: the copy takes it, if not written since. */
  private superseded(key: string, json: string, seq: number): void {
    this.log.warn(
      { key },
      `Token ${key}: another replica had stored a newer token pair; this replica's older copy was not written and now uses the newer pair.`,
    );
    if (this.localSeq.get(key) === seq && !this.writes.has(key)) this.copy.set(key, entryOf(key, json));
  }

  private startReloading(everyMs: number): void {
    if (everyMs <= 0) return;
    this.reloadTimer = setInterval(() => {
      this.reload().catch((err: unknown) => {
        this.log.warn({ err }, "Could not read the tokens from the state database; trying again later.");
      });
    }, everyMs);
    this.reloadTimer.unref();
  }
}

function entryOf(key: string, json: string): Entry {
  try {
    return { token: parseStoredToken(key, json) };
  } catch (err) {
    return { unreadable: err as TkError };
  }
}
