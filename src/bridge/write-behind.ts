/**
 * Writes behind: job completions, and "delivered" marks that carry nothing else (see EngineStore.writeBehind), are
 * queued and committed together — one transaction per turn of the event loop instead of one per job. Used by a
 * backend of the state port; the transaction it commits in is the backend's.
 * Why it is safe: each is only "do not do this again". If the process dies before the batch commits, the job runs
 * once more and finds its work done (deliveries check the message state, and Kommo refuses a repeated msgid).
 * Ordering holds because the claim that could pick a conversation's next job commits the queued writes first, in
 * its own transaction (flushInTransaction); the queue keeps their order. A write is queued when it is handed over
 * (synchronously, before the job reports itself done), and taken off the queue only inside the transaction that
 * runs it, so no claim can come between a job's end and its completion being seen.
 */
import type { EngineStoreTx } from "./store-port.js";

/** A write behind; it may ignore `tx` when its backend has one connection (SQLite's own job completions). */
export type BehindWrite = (tx: EngineStoreTx) => Promise<void> | void;

export class WriteBehind {
  private writes: BehindWrite[] = [];
  private flushScheduled = false;

  constructor(
    private readonly transaction: (fn: (tx: EngineStoreTx) => Promise<void>) => Promise<void>,
    /** False once the backend is closed: nothing is committed any more. */
    private readonly isOpen: () => boolean = () => true,
  ) {}

  push(write: BehindWrite): void {
    this.writes.push(write);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush().catch(() => {
        // Busy or closing database: this batch is dropped (it was taken off the queue, so a write that keeps
        // failing cannot block every later claim). Its jobs stay "running" until their leases run out, then run
        // again and find their work done.
      });
    });
  }

  /** Commits the queued writes in one transaction of their own. */
  async flush(): Promise<void> {
    if (this.writes.length === 0 || !this.isOpen()) return;
    await this.transaction((tx) => this.flushInTransaction(tx));
  }

  /** Inside the caller's transaction: runs the queued writes, in order. */
  async flushInTransaction(tx: EngineStoreTx): Promise<void> {
    if (this.writes.length === 0) return;
    const writes = this.writes;
    this.writes = [];
    for (const w of writes) {
      const pending = w(tx);
      if (pending) await pending;
    }
  }
}
