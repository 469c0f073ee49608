/**
 * Writes behind, in PostgreSQL: job completions and plain "delivered" marks are queued and committed together, one
 * transaction per turn of the event loop instead of one per job. Safe for the same reason as with SQLite (see
 * bridge/write-behind.ts): each only says "do not do this again"; a crash before the batch commits makes the job
 * run once more and find its work done. The job claim runs the queued writes first, in its own transaction, and
 * waits for a batch already being committed, so the ordering rule sees every completion made before it.
 */
export class PgWriteBehind<Tx> {
  private writes: Array<(tx: Tx) => Promise<void>> = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  /** `transaction` runs its callback in one transaction (the store's). */
  constructor(private readonly transaction: (fn: (tx: Tx) => Promise<void>) => Promise<void>) {}

  push(write: (tx: Tx) => Promise<void>): void {
    this.writes.push(write);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // A batch that fails (database gone, closing) is dropped: it was taken off the queue, so it cannot block
      // every later claim. Its jobs stay running until their leases run out, then run again and find their work done.
      this.flush().catch(() => {});
    });
  }

  /** Commits the queued writes in one transaction of their own (after any batch being committed). */
  flush(): Promise<void> {
    const next = this.flushing.then(() =>
      this.writes.length === 0 ? undefined : this.transaction((tx) => this.runIn(tx)),
    );
    this.flushing = next.catch(() => {});
    return next;
  }

  /**
   * For a transaction about to start (a job claim): takes the queued writes now and resolves, with a function that
   * runs them, once every batch already being committed has committed. Every write queued before the call is then
   * committed before, or in, the caller's transaction.
   */
  async takeForTransaction(): Promise<(tx: Tx) => Promise<void>> {
    const writes = this.writes;
    this.writes = [];
    await this.flushing;
    return async (tx) => {
      for (const write of writes) await write(tx);
    };
  }

  /** Inside the caller's transaction: runs the queued writes, in order. */
  async runIn(tx: Tx): Promise<void> {
    if (this.writes.length === 0) return;
    const writes = this.writes;
    this.writes = [];
    for (const write of writes) await write(tx);
  }
}
