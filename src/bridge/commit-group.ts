/**
 * Group commit for webhook intake. Each webhook must be committed before it is answered, but a commit is the
 * dearest part of intake (WAL frames written for every page the transaction touched; a round trip to PostgreSQL).
 * Webhooks that finish arriving in the same turn of the event loop are committed together: their work is queued,
 * one setImmediate later it runs in a single transaction, and only then is each caller's promise resolved (and its
 * 200 sent). An answer never precedes its commit; the wait is one turn of the event loop and the commit.
 *
 * The units of a batch run one after the other on the transaction's handle (one connection runs one statement at a
 * time), in arrival order. One batch commits at a time: what arrives while it commits goes into the next one.
 *
 * Isolation: if one unit throws, the whole batch rolls back and every unit is retried in its own transaction,
 * so only the failing webhook gets its error. Units must therefore be safe to run twice (intake's are: they only
 * write to the store, and their few side effects — a warning, marking a seller for re-authorization — repeat
 * harmlessly).
 */
import { stateWriteCode } from "./state-health.js";
import type { EngineStoreTx } from "./store-port.js";

export interface Transactional {
  transaction<T>(fn: (tx: EngineStoreTx) => Promise<T>): Promise<T>;
}

type UnitFn = (tx: EngineStoreTx) => Promise<unknown>;

interface Unit {
  fn: UnitFn;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class CommitGroup {
  private queue: Unit[] = [];
  private scheduled = false;
  /** A flush is committing: units queued meanwhile go in its next transaction (no second flush runs beside it). */
  private flushing = false;

  constructor(
    private readonly store: Transactional,
    /** Most units per transaction; a longer queue is committed in several. */
    private readonly maxBatch = 256,
  ) {}

  /** Runs `fn` inside a transaction shared with the other units of this turn; resolves after the commit. */
  run<T>(fn: (tx: EngineStoreTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled && !this.flushing) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Commits everything queued so far (also called by setImmediate). */
  async flush(): Promise<void> {
    this.scheduled = false;
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Unit[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.store.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const u of batch) out.push(await u.fn(tx));
        return out;
      });
    } catch (err) {
      // Another process holds the state file's write lock: no unit is to blame, and each would only wait out its
      // own busy timeout (holding the event loop) to meet the same refusal, so all get the error at once. (On a
      // full disk the units do go one by one: those that fit in free pages still commit, and failing is quick.)
      if (stateWriteCode(err) === "TK_ERR_STATE_BUSY") {
        for (const u of batch) u.reject(err);
        return;
      }
      // Rolled back as a whole: give each unit its own transaction so one bad webhook fails alone.
      for (const u of batch) {
        try {
          u.resolve(await this.store.transaction(u.fn));
        } catch (err) {
          u.reject(err);
        }
      }
      return;
    }
    for (const [i, u] of batch.entries()) u.resolve(results[i]);
  }
}
