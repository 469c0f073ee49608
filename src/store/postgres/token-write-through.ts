/**
 * The write-through half of the PostgreSQL token store (tokens.ts): saves and deletes are applied to the in-memory
 * copy at once and queued here, then committed in the background, one drain at a time, so the writes of one key
 * reach the database in the order they were made. Only the newest write of a key waits: a newer save replaces an
 * older one not yet committed.
 *
 * A write that fails is never dropped: it stays queued, is logged (TK_ERR_STATE_TOKEN_UNSAVED, naming the keys,
 * never the tokens), and is tried again after 1 s, then 2 s, 4 s … up to 30 s, until the database takes it or a
 * newer write of the key replaces it. flush() rejects with that error while a write made before it is unsaved.
 *
 * A save never replaces a newer token pair by an older one: a replica whose copy is stale (another replica has
 * refreshed since its last reload) may save its old pair with new details (TikTok Shop's list of shops, a
 * "re-authorize" mark). The row is then compared first: when the stored pair was obtained later than the one
 * being saved, the write is skipped and the store's copy takes the stored pair instead. Losing a rotated refresh
 * token that way would lose the integration; losing that detail costs at most one more call to set it again.
 */
import type { StoredToken } from "../../auth/token-store.js";
import { TkError } from "../../errors/index.js";
import { parseStoredToken } from "../tokens.js";
import type { Sql } from "./sql.js";

/** One queued write: `token` undefined deletes the key. */
interface PendingWrite {
  token: StoredToken | undefined;
  /** The sequence number of this write. */
  seq: number;
  /** The oldest uncommitted write of the key this one replaced (flush() waits for writes up to a number). */
  firstSeq: number;
}

/** Where the token store reports (the process's pino logger fits). */
export interface TokenStoreLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TokenWriteThroughOptions {
  sql: Sql;
  log: TokenStoreLog;
  now: () => number;
  /** First wait before a failed write is tried again (ms, default 1,000), doubled up to MAX_RETRY_MS. */
  retryBaseMs?: number;
  /** The database holds a newer pair than the write `seq` of `key` saved: its row's JSON. */
  onSuperseded(key: string, storedJson: string, seq: number): void;
}

const MAX_RETRY_MS = 30_000;

const SELECT_FOR_UPDATE = "SELECT value_json FROM tokens WHERE key = $1 FOR UPDATE";
const UPSERT = `INSERT INTO tokens (key, value_json, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value_json = EXCLUDED.value_json, updated_at = EXCLUDED.updated_at`;
const DELETE = "DELETE FROM tokens WHERE key = $1";

export class TokenWriteThrough {
  private readonly pending = new Map<string, PendingWrite>();
  private seq = 0;
  /** The drain that runs after the current one, if one is queued (it takes every write pending when it starts). */
  private queued: Promise<void> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly retryBaseMs: number;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: TokenWriteThroughOptions) {
    this.retryBaseMs = o.retryBaseMs ?? 1_000;
    this.retryMs = this.retryBaseMs;
  }

  /** Queues the write of `key` (`token` undefined: delete it) and starts committing it; returns its number. */
  push(key: string, token: StoredToken | undefined): number {
    this.seq += 1;
    const prior = this.pending.get(key);
    this.pending.set(key, { token, seq: this.seq, firstSeq: prior?.firstSeq ?? this.seq });
    // A failure is logged and retried by the drain itself; flush() is how a caller learns of it.
    this.kick().catch(() => {});
    return this.seq;
  }

  /** The number of the latest write queued. */
  get lastSeq(): number {
    return this.seq;
  }

  /** A write of `key` is queued and not committed yet. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Keys whose latest write is not committed yet. */
  unsavedKeys(): string[] {
    return [...this.pending.keys()];
  }

  /** Resolves once every write queued so far is committed; rejects with TK_ERR_STATE_TOKEN_UNSAVED otherwise. */
  async flush(): Promise<void> {
    const target = this.seq;
    while ([...this.pending.values()].some((w) => w.firstSeq <= target)) await this.kick();
  }

  /** Stops retrying on a timer and commits what is queued (rejecting as flush() does). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flush();
  }

  private kick(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail.then(() => {
      this.queued = undefined;
      return this.drain();
    });
    this.queued = run;
    this.tail = run.catch(() => {});
    return run;
  }

  private async drain(): Promise<void> {
    const failed: string[] = [];
    let cause: unknown;
    for (const [key, write] of [...this.pending]) {
      try {
        const newer = await this.write(key, write.token);
        if (this.pending.get(key) === write) this.pending.delete(key);
        if (newer !== undefined) this.o.onSuperseded(key, newer, write.seq);
      } catch (err) {
        failed.push(key);
        cause ??= err;
      }
    }
    if (failed.length === 0) {
      this.retryMs = this.retryBaseMs;
      return;
    }
    const err = tokensUnsaved(failed, cause, this.closed ? undefined : this.retryMs);
    this.o.log.error({ err, keys: failed }, err.message);
    this.scheduleRetry();
    throw err;
  }

  /** Commits one write; returns the stored row's JSON when it holds a newer pair (and was left as it is). */
  private write(key: string, token: StoredToken | undefined): Promise<string | undefined> {
    if (token === undefined) return this.o.sql.query(DELETE, [key]).then(() => undefined);
    return this.o.sql.atomic(async (tx) => {
      const rows = await tx.query<{ value_json: string }>(SELECT_FOR_UPDATE, [key]);
      const stored = rows[0]?.value_json;
      if (stored !== undefined && obtainedAtOf(key, stored) > token.obtainedAt) return stored;
      await tx.query(UPSERT, [key, JSON.stringify(token), this.o.now()]);
      return undefined;
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick().catch(() => {});
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}

/** When the stored pair was obtained; an unreadable row counts as oldest (any save may replace it). */
function obtainedAtOf(key: string, json: string): number {
  try {
    return parseStoredToken(key, json).obtainedAt;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

function tokensUnsaved(keys: string[], cause: unknown, retryInMs: number | undefined): TkError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const next =
    retryInMs === undefined
      ? "The store is closing: they are not written."
      : `They are kept in memory and written again in ${retryInMs} ms.`;
  return new TkError(
    "TK_ERR_STATE_TOKEN_UNSAVED",
    `Could not write the token${keys.length > 1 ? "s" : ""} ${keys.join(", ")} to the state database (${reason}). ${next}`,
    {
      fix: "Check that the state database is up and reachable; the tokens are written as soon as it is. Do not stop this replica before they are: a rotated refresh token that only it holds would be lost, and the account authorized again.",
      details: { keys, retryable: true },
      cause,
    },
  );
}
