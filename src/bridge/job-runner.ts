/**
 * Runs outbox jobs. Order and fairness rules, and why:
 * - Jobs of one conversation (same ordering_key) never run at the same time and run in id order: the queue's
 *   claimNext only offers the oldest unfinished job of each key, so buyer messages reach Kommo in reply order.
 * - A shop gets at most `perShopConcurrency` running jobs, so one shop whose API hangs cannot occupy every slot
 *   and stall the others (they keep flowing while its jobs wait for timeouts).
 * - A failed job goes back to pending with a backoff (exponential with full jitter, or the server's Retry-After),
 *   up to `retryBudget` attempts; then it is dead: kept, counted in `status`, re-queued by `tokokommo retry --dead`.
 *   Never dropped.
 * - Leases: a claimed job carries lease_until; if the process dies mid-job, the lease expires and the job runs
 *   again. Handlers are therefore idempotent (Kommo rejects a repeated msgid; replies check for an earlier send).
 *   While a job runs, the runner renews its lease every leaseMs/4 (a heartbeat). So a run may take longer than
 *   the lease (HTTP timeouts of 15 s, multi-page walks, rate-limit waits) without the lease sweep giving the job to
 *   a second worker mid-send; and the lease can stay short, so after a crash (SIGKILL) the restarted daemon picks
 *   up the dead process's jobs within seconds instead of waiting out a lease sized for the slowest call.
 */
import { classifyError } from "./error-policy.js";

export interface QueuedJob {
  id: number;
  kind: string;
  orderingKey: string;
  shopKey: string;
  attempts: number;
  payload: unknown;
  refId: number | null;
}

/** The subset of the store's job queue the runner uses. */
export interface JobQueuePort {
  claimNext(opts: { now: number; leaseMs: number; limit: number; excludeShopKeys?: string[] }): QueuedJob[];
  complete(id: number): void;
  fail(id: number, opts: { error: string; code?: string; retryAt: number }): void;
  kill(id: number, error: string, code?: string): void;
  releaseExpiredLeases(now: number): number;
  /** Extends the leases of running jobs; returns the ids no longer running (lease lost). */
  renewLeases(ids: number[], leaseUntil: number): number[];
  /** Puts claimed jobs back without counting an attempt (clean shutdown). */
  release(ids: number[]): void;
}

export type JobHandler = (job: QueuedJob) => Promise<void>;

export interface JobRunnerOptions {
  queue: JobQueuePort;
  handlers: Record<string, JobHandler>;
  /** Called once when a job becomes dead, e.g. to tell Kommo a reply failed. Must not throw. */
  onDead?: (job: QueuedJob, error: { code: string; message: string }) => void | Promise<void>;
  onRetry?: (job: QueuedJob, error: { code: string; message: string }, retryAt: number) => void;
  nextRetryAt: (opts: { attempt: number; now: number; retryAfterMs?: number }) => number;
  concurrency?: number;
  perShopConcurrency?: number;
  retryBudget?: number;
  leaseMs?: number;
  idlePollMs?: number;
  now?: () => number;
}

export class JobRunner {
  private readonly running = new Map<number, { job: QueuedJob; done: Promise<void> }>();
  private readonly perShop = new Map<string, number>();
  private stopped = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<JobRunnerOptions, "onDead" | "onRetry">> &
    Pick<JobRunnerOptions, "onDead" | "onRetry">;

  constructor(opts: JobRunnerOptions) {
    this.o = {
      concurrency: 16,
      perShopConcurrency: 4,
      retryBudget: 12,
      leaseMs: 10_000,
      idlePollMs: 250,
      now: Date.now,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.o.queue.releaseExpiredLeases(this.o.now());
    this.heartbeat = setInterval(() => this.renewLeases(), Math.max(10, Math.floor(this.o.leaseMs / 4)));
    this.heartbeat.unref();
    this.loop = this.run();
  }

  /** Keeps the leases of running jobs alive (see the header: a run may outlast leaseMs). */
  private renewLeases(): void {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      this.o.queue.renewLeases(ids, this.o.now() + this.o.leaseMs);
    } catch {
      // A busy or closing database: the next beat tries again; the lease still has 3/4 of its time.
    }
  }

  /** Wakes the loop now (intake calls this after it commits a job). */
  notify(): void {
    this.wake?.();
  }

  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then releases the rest so the next start picks them
   * up immediately (their lease would expire anyway; releasing just avoids the wait).
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    const pending = [...this.running.values()].map((r) => r.done);
    await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, graceMs).unref())]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const left = [...this.running.keys()];
    if (left.length > 0) this.o.queue.release(left);
  }

  private async run(): Promise<void> {
    let lastLeaseSweep = this.o.now();
    while (!this.stopped) {
      const now = this.o.now();
      if (now - lastLeaseSweep > this.o.leaseMs / 2) {
        this.o.queue.releaseExpiredLeases(now);
        lastLeaseSweep = now;
      }
      const free = this.o.concurrency - this.running.size;
      let claimed: QueuedJob[] = [];
      if (free > 0) {
        const busyShops = [...this.perShop.entries()]
          .filter(([, n]) => n >= this.o.perShopConcurrency)
          .map(([k]) => k);
        claimed = this.o.queue.claimNext({
          now,
          leaseMs: this.o.leaseMs,
          limit: free,
          ...(busyShops.length ? { excludeShopKeys: busyShops } : {}),
        });
        // claimNext may return several jobs of one shop; keep the per-shop cap by releasing the surplus.
        const surplus: number[] = [];
        claimed = claimed.filter((job) => {
          const n = this.perShop.get(job.shopKey) ?? 0;
          if (n >= this.o.perShopConcurrency) {
            surplus.push(job.id);
            return false;
          }
          this.perShop.set(job.shopKey, n + 1);
          return true;
        });
        if (surplus.length) this.o.queue.release(surplus);
        for (const job of claimed) this.launch(job);
      }
      if (claimed.length === 0) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.o.idlePollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private launch(job: QueuedJob): void {
    // execute() records every outcome in the queue; if even that fails (the database was closed by a shutdown
    // that outlived its grace period), the job's lease expires and it runs again on the next start.
    const done = this.execute(job)
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(job.id);
        const n = (this.perShop.get(job.shopKey) ?? 1) - 1;
        if (n <= 0) this.perShop.delete(job.shopKey);
        else this.perShop.set(job.shopKey, n);
        this.wake?.(); // a slot is free: the conversation's next job may now run
      });
    this.running.set(job.id, { job, done });
  }

  private async execute(job: QueuedJob): Promise<void> {
    const handler = this.o.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
      this.o.queue.complete(job.id);
    } catch (err) {
      const c = classifyError(err);
      const attempt = job.attempts + 1;
      if (!c.retryable || attempt >= this.o.retryBudget) {
        this.o.queue.kill(job.id, c.message, c.code);
        try {
          await this.o.onDead?.(job, c);
        } catch {
          // onDead reports; its own failure must not take the runner down. The job is dead and visible anyway.
        }
        return;
      }
      const retryAt = this.o.nextRetryAt({
        attempt,
        now: this.o.now(),
        ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
      });
      this.o.queue.fail(job.id, { error: c.message, code: c.code, retryAt });
      this.o.onRetry?.(job, c, retryAt);
    }
  }
}
