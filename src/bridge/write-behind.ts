/**
 * Writes behind: job completions, and "delivered" marks that carry nothing else (see EngineStore.writeBehind), are
 * queued and committed together — one transaction per turn of the event loop instead of one per job.
 * Why it is safe: each is only "do not do this again". If the process dies before the batch commits, the job runs
 * once more and finds its work done (deliveries check the message state, and Kommo refuses a repeated msgid).
 * Ordering holds because the claim that could pick a conversation's next job commits the queued writes first, in
 * its own transaction (flushInTransaction); the queue keeps their order.
 */
import type { Store } from "../store/index.js";

export class WriteBehind {
  private writes: Array<() => void> = [];
  private flushScheduled = false;

  constructor(private readonly store: Pick<Store, "db" | "transaction">) {}

  push(write: () => void): void {
    this.writes.push(write);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      try {
        this.flush();
      } catch {
        // Busy or closing database: this batch is dropped (it was taken off the queue, so a write that keeps
        // failing cannot block every later claim). Its jobs stay "running" until their leases run out, then run
        // again and find their work done.
      }
    });
  }

  /** Commits the queued writes in one transaction of their own. */
  flush(): void {
    if (this.writes.length === 0 || !this.store.db.open) return;
    this.store.transaction(() => this.flushInTransaction());
  }

  /** Inside the caller's transaction: runs the queued writes, in order. */
  flushInTransaction(): void {
    if (this.writes.length === 0) return;
    const writes = this.writes;
    this.writes = [];
    for (const w of writes) w();
  }
}
