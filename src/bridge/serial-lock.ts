/**
 * One holder at a time, first come first served: how the SQLite backend keeps "no call joins a transaction another
 * caller has open" once transaction bodies are asynchronous. better-sqlite3 has one connection, so everything run
 * while a transaction is open belongs to it; and an async body lets other code run between its awaits. The
 * backend's transaction holds this lock from BEGIN to COMMIT or ROLLBACK, and calls outside a transaction run only
 * while it is free, else after it in arrival order.
 *
 * Free is the common case (a body's awaits are on statements already done, so a transaction lasts a few
 * microtasks): then a call runs at once, with no promise of its own to wait for.
 */
export class SerialLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  /** Nobody holds it and nobody waits: a caller may run now (and must finish before it yields). */
  get free(): boolean {
    return !this.held && this.waiters.length === 0;
  }

  /** Resolves when the caller holds the lock; release() it exactly once. */
  acquire(): Promise<void> {
    if (this.free) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands the lock to the next waiter (it stays held), or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }

  /** Runs `op` (synchronous) alone: at once when the lock is free, else when its turn comes. */
  run<T>(op: () => T): Promise<T> {
    if (this.free) {
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.acquire().then(() => {
      try {
        return op();
      } finally {
        this.release();
      }
    });
  }
}
