/**
 * Runs outbox jobs. Order and fairness rules, and why:
 * - Jobs of one conversation (same ordering_key) never run at the same time and run in id order: the queue's
 *   claimNext only offers the oldest unfinished job of each key, so buyer messages reach Kommo in reply order.
 * - A shop gets at most `perShopConcurrency` running jobs, so one shop whose API hangs cannot occupy every slot
 *   and stall the others (they keep flowing while its jobs wait for timeouts).
 * - A failed job goes back to pending with a backoff (exponential with full jitter, or the server's Retry-After),
 *   up to `retryBudget` attempts; then it is dead: kept, counted in `status`, re-queued by `tokokommo retry --dead`.
 *   Never dropped. Jobs of shops a config reload removed stay queued, unclaimed (park()).
 * - Leases: a claimed job carries lease_until; if the process dies mid-job, the lease expires and the job runs
 *   again. Handlers are therefore idempotent (Kommo rejects a repeated msgid; replies check for an earlier send).
 *   While a job runs, the runner renews its lease every leaseMs/4 (a heartbeat). So a run may take longer than
 *   the lease (HTTP timeouts of 15 s, multi-page walks, rate-limit waits) without the lease sweep giving the job to
 *   a second worker mid-send; and the lease can stay short, so after a crash (SIGKILL) the restarted daemon picks
 *   up the dead process's jobs within seconds instead of waiting out a lease sized for the slowest call.
 */
import { classifyError } from "./error-policy.js";
import type { JobQueuePort } from "./store-port.js";

export interface QueuedJob {
  id: number;
  kind: string;
  orderingKey: string;
  shopKey: string;
  attempts: number;
  payload: unknown;
  refId: number | null;
  /**
   * The token of this claim. The queue acts on complete, fail, kill, renew and release only while the job still
   * carries it, so a run that lost its lease (stalled past it; the job went to another run) changes nothing.
   */
  leaseToken: string;
}

/** A claimed job as the queue needs it back: its id and the token of the claim. */
export type JobClaim = Pick<QueuedJob, "id" | "leaseToken">;

/** The job queue (store-port.ts): claims, outcomes and leases, all awaited. */
export type { JobQueuePort };

export type JobHandler = (job: QueuedJob) => Promise<void>;

export interface JobRunnerOptions {
  queue: JobQueuePort;
  handlers: Record<string, JobHandler>;
  /** Called once when a job becomes dead, e.g. to tell Kommo a reply failed. Must not throw. */
  onDead?: (job: QueuedJob, error: { code: string; message: string }) => void | Promise<void>;
  onRetry?: (job: QueuedJob, error: { code: string; message: string }, retryAt: number) => void;
  /**
   * The heartbeat found jobs this runner holds whose lease is gone (the main thread stalled past the lease, or
   * the state file was unreachable meanwhile; the sweep gave them back and another run may have them). Buffered
   * ones are dropped before they start; a run in progress goes on, but its outcome is not recorded (lease
   * tokens). Must not throw.
   */
  onLeaseLost?: (jobs: QueuedJob[]) => void;
  /** Every run that recorded its outcome, with its duration (metrics). Must not throw. */
  onFinished?: (job: QueuedJob, outcome: "done" | "retry" | "dead", ms: number) => void;
  /**
   * The queue itself failed (a claim or lease sweep threw: database busy past its timeout, disk full). The loop
   * reports it, waits idlePollMs and tries again; it never stops on its own. Must not throw.
   */
  onQueueError?: (error: unknown) => void;
  nextRetryAt: (opts: { attempt: number; now: number; retryAfterMs?: number }) => number;
  concurrency?: number;
  perShopConcurrency?: number;
  retryBudget?: number;
  leaseMs?: number;
  idlePollMs?: number;
  /**
   * At most this many running jobs of a kind. For work that waits on a slow shared budget (Kommo REST's 7
   * requests/s per account for lead tags): without a cap, such jobs would sit in every worker slot waiting for
   * the limiter while messages, which need no REST call, queue behind them.
   */
  kindConcurrency?: Record<string, number>;
  now?: () => number;
}

export class JobRunner {
  private readonly running = new Map<number, { job: QueuedJob; done: Promise<void> }>();
  private readonly perShop = new Map<string, number>();
  private readonly perKind = new Map<string, number>();
  private readonly claimBatch = 8;
  /** Claimed (leased) but not yet started; see run(). */
  private buffer: QueuedJob[] = [];
  private stopped = true;
  private renewing = false;
  private wake: (() => void) | undefined;
  /** Set by notify() when the loop was not asleep to hear it: the next sleep returns at once instead. */
  private nudged = false;
  /** New work was committed (intake) or a poll interval passed (retries come due): the next pass claims. */
  private newWork = true;
  /** Jobs finished since the last claim; under load a claim waits for a batch of them (see run()). */
  private finishedSinceClaim = 0;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private parked: ReadonlySet<string> = new Set();
  private readonly o: Required<
    Omit<JobRunnerOptions, "onDead" | "onRetry" | "onQueueError" | "onFinished" | "onLeaseLost">
  > &
    Pick<JobRunnerOptions, "onDead" | "onRetry" | "onQueueError" | "onFinished" | "onLeaseLost">;

  constructor(opts: JobRunnerOptions) {
    this.o = {
      concurrency: 64,
      perShopConcurrency: 32,
      retryBudget: 12,
      leaseMs: 10_000,
      idlePollMs: 250,
      kindConcurrency: {},
      now: Date.now,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.heartbeat = setInterval(() => this.renewLeases(), Math.max(10, Math.floor(this.o.leaseMs / 4)));
    this.heartbeat.unref();
    this.loop = this.releaseExpired().then(() => this.run());
  }

  /** The lease sweep before the first claim: the jobs of a process that died come back now, not in leaseMs/2. */
  private async releaseExpired(): Promise<void> {
    try {
      await this.o.queue.releaseExpiredLeases(this.o.now());
    } catch (err) {
      // A state file locked or full at start-up must not stop the daemon from starting: the loop's own lease
      // sweep (every leaseMs/2) does this again.
      try {
        this.o.onQueueError?.(err);
      } catch {}
    }
  }

  /** Keeps the leases of running jobs alive (see the header: a run may outlast leaseMs). */
  private async renewLeases(): Promise<void> {
    const held = [...[...this.running.values()].map((r) => r.job), ...this.buffer];
    // One renewal at a time: a beat that finds the last one still waiting on the database skips.
    if (held.length === 0 || this.renewing) return;
    let lost: number[];
    this.renewing = true;
    try {
      lost = await this.o.queue.renewLeases(held, this.o.now() + this.o.leaseMs);
    } catch {
      // A busy or closing database: the next beat tries again; the lease still has 3/4 of its time.
      return;
    } finally {
      this.renewing = false;
    }
    if (lost.length === 0) return;
    // A buffered job whose lease is gone may already run elsewhere: starting it here would run it twice.
    const gone = new Set(lost);
    this.buffer = this.buffer.filter((j) => !gone.has(j.id));
    try {
      this.o.onLeaseLost?.(held.filter((j) => gone.has(j.id)));
    } catch {}
  }

  /** Wakes the loop now (intake calls this after it commits a job): the next pass claims. */
  notify(): void {
    this.newWork = true;
    this.nudge();
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Leaves the jobs of these shops in the queue (a reload removed them): unclaimed, the buffered given back. */
  park(shopKeys: ReadonlySet<string>): void {
    this.parked = shopKeys;
    const out = this.buffer.filter((j) => shopKeys.has(j.shopKey));
    this.buffer = this.buffer.filter((j) => !shopKeys.has(j.shopKey));
    // Not awaited: if giving them back fails, their leases run out and they return, parked.
    if (out.length > 0) this.o.queue.release(out).catch(() => undefined);
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Stops claiming, waits up to `graceMs` for running jobs, then releases the rest (sooner than their leases). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    const pending = [...this.running.values()].map((r) => r.done);
    await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, graceMs).unref())]);
    clearInterval(this.heartbeat);
    const left = [...[...this.running.values()].map((r) => r.job), ...this.buffer];
    this.buffer = [];
    if (left.length > 0) await this.o.queue.release(left);
    await this.o.queue.flush?.();
  }

  /**
   * The loop. Claimed jobs go to a local buffer (leased, renewed by the heartbeat like running ones) and start as
   * slots free up within the per-shop and per-kind caps. Why a buffer: a claim costs a scan of the queue, and
   * claiming one job per finished job made claiming the daemon's main CPU cost under load; releasing the jobs a
   * claim returned beyond a cap cost as much again. A buffer of about one round of work lets one claim feed many
   * starts. Buffered jobs are heads of their conversations, so holding them keeps order.
   *
   * When to claim. A finished job may unblock the next job of its conversation, but a claim per finished job
   * scans the queue once per job (most of the daemon's CPU at 500 msg/s). So a claim runs when intake committed
   * new work, when the runner is nearly idle (fewer than claimBatch jobs running or buffered: low load, where
   * latency matters and claims are cheap), when claimBatch jobs finished since the last claim, or on the idle
   * poll timer (retries whose backoff ran out).
   */
  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.runUntilError();
      } catch (err) {
        // Without this a busy or failing database would end the loop silently: webhooks still answered 200,
        // nothing delivered. Report, wait, retry; the leases of what was claimed keep the jobs safe meanwhile.
        try {
          this.o.onQueueError?.(err);
        } catch {}
        this.nudged = false;
        await this.sleep();
      }
    }
  }

  private async runUntilError(): Promise<void> {
    let lastLeaseSweep = this.o.now();
    while (!this.stopped) {
      const now = this.o.now();
      if (now - lastLeaseSweep > this.o.leaseMs / 2) {
        await this.o.queue.releaseExpiredLeases(now);
        lastLeaseSweep = now;
      }
      let started = this.startBuffered();
      const room = 2 * this.o.concurrency - this.running.size - this.buffer.length;
      const due =
        this.newWork ||
        this.finishedSinceClaim >= this.claimBatch ||
        this.running.size + this.buffer.length < this.claimBatch;
      // Refill when the buffer is low: at once when idle-ish, else once a batch's worth of room has opened.
      if (due && room > 0 && (this.buffer.length < this.claimBatch || room >= this.o.concurrency)) {
        this.newWork = false;
        this.finishedSinceClaim = 0;
        const claimed = await this.claim(now, room);
        this.buffer.push(...claimed);
        started += this.startBuffered();
        if (claimed.length > 0) continue;
      }
      if (started === 0) await this.sleep();
    }
  }

  private kindCap(kind: string): number {
    return this.o.kindConcurrency[kind] ?? Number.POSITIVE_INFINITY;
  }

  /** Shops and kinds whose running + buffered jobs already fill their cap are not claimed for. */
  private async claim(now: number, limit: number): Promise<QueuedJob[]> {
    const load = (map: Map<string, number>, key: string, pick: (j: QueuedJob) => string) =>
      (map.get(key) ?? 0) + this.buffer.filter((j) => pick(j) === key).length;
    const shops = new Set([...this.perShop.keys(), ...this.buffer.map((j) => j.shopKey)]);
    // A shop may have one cap's worth running and one more buffered.
    const busyShops = [...shops].filter(
      (k) => load(this.perShop, k, (j) => j.shopKey) >= 2 * this.o.perShopConcurrency,
    );
    busyShops.push(...this.parked);
    const cappedKinds = Object.keys(this.o.kindConcurrency).filter(
      (k) => load(this.perKind, k, (j) => j.kind) >= this.kindCap(k),
    );
    const kinds = cappedKinds.length
      ? Object.keys(this.o.handlers).filter((k) => !cappedKinds.includes(k))
      : undefined;
    const claimed = await this.o.queue.claimNext({
      now,
      leaseMs: this.o.leaseMs,
      limit,
      ...(busyShops.length ? { excludeShopKeys: busyShops } : {}),
      ...(kinds ? { kinds } : {}),
    });
    // A capped kind (lead tagging) must not fill the buffer: its jobs would wait there for their cap while
    // holding the shop's buffer room that deliveries need. Keep what the cap can start; give the rest back.
    const kept: QueuedJob[] = [];
    const surplus: QueuedJob[] = [];
    const taken = new Map<string, number>();
    for (const job of claimed) {
      // A reload may have parked the job's shop while the claim waited on the database.
      if (this.parked.has(job.shopKey)) {
        surplus.push(job);
        continue;
      }
      const cap = this.kindCap(job.kind);
      const used = cap === Number.POSITIVE_INFINITY ? 0 : load(this.perKind, job.kind, (j) => j.kind);
      const already = taken.get(job.kind) ?? 0;
      if (used + already >= cap) {
        surplus.push(job);
        continue;
      }
      taken.set(job.kind, already + 1);
      kept.push(job);
    }
    if (surplus.length) await this.o.queue.release(surplus);
    return kept;
  }

  /** Starts buffered jobs, oldest first, while slots and caps allow. Returns how many started. */
  private startBuffered(): number {
    let started = 0;
    for (let i = 0; i < this.buffer.length && this.running.size < this.o.concurrency; ) {
      const job = this.buffer[i]!;
      const n = this.perShop.get(job.shopKey) ?? 0;
      const k = this.perKind.get(job.kind) ?? 0;
      if (n >= this.o.perShopConcurrency || k >= this.kindCap(job.kind)) {
        i++;
        continue;
      }
      this.buffer.splice(i, 1);
      this.perShop.set(job.shopKey, n + 1);
      this.perKind.set(job.kind, k + 1);
      this.launch(job);
      started++;
    }
    return started;
  }

  private sleep(): Promise<void> {
    if (this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.newWork = true; // the poll interval passed: jobs whose retry time came are claimable now
        done();
      }, this.o.idlePollMs);
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
    const startedAt = performance.now();
    const done = this.execute(job)
      .then((outcome) => this.o.onFinished?.(job, outcome, performance.now() - startedAt))
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(job.id);
        const n = (this.perShop.get(job.shopKey) ?? 1) - 1;
        if (n <= 0) this.perShop.delete(job.shopKey);
        else this.perShop.set(job.shopKey, n);
        this.perKind.set(job.kind, Math.max(0, (this.perKind.get(job.kind) ?? 1) - 1));
        // A slot is free (a buffered job may start) and the conversation's next job may now be claimable.
        this.finishedSinceClaim++;
        this.nudge();
      });
    this.running.set(job.id, { job, done });
  }

  private async execute(job: QueuedJob): Promise<"done" | "retry" | "dead"> {
    const handler = this.o.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job);
      await this.o.queue.complete(job);
      return "done";
    } catch (err) {
      const c = classifyError(err);
      const attempt = job.attempts + 1;
      if (!c.retryable || attempt >= this.o.retryBudget) {
        await this.o.queue.kill(job, c.message, c.code);
        try {
          await this.o.onDead?.(job, c);
        } catch {
          // onDead reports; its own failure must not take the runner down. The job is dead and visible anyway.
        }
        return "dead";
      }
      const retryAt = this.o.nextRetryAt({
        attempt,
        now: this.o.now(),
        ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
      });
      await this.o.queue.fail(job, { error: c.message, code: c.code, retryAt });
      this.o.onRetry?.(job, c, retryAt);
      return "retry";
    }
  }
}
