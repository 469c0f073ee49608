import { randomBytes } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";
import {
  type ClaimOptions,
  type Job,
  type JobKind,
  type JobLease,
  type JobRow,
  LEASE_EXPIRED_CODE,
  type NewJob,
  type ShopJobCounts,
  toJob,
} from "./job-types.js";
import { toJson } from "./json.js";

export {
  type ClaimOptions,
  type Job,
  type JobKind,
  type JobLease,
  type JobState,
  LEASE_EXPIRED_CODE,
  type NewJob,
  type ShopJobCounts,
} from "./job-types.js";

/**
 * The outbox (docs/architecture.md, Jobs): every side effect on Kommo or a marketplace is a job row written in the
 * same transaction as the fact that caused it, so a crash can delay work but never lose it.
 *
 * ORDERING RULE. For each ordering_key only the lowest-id job that is still open (pending or running) may be
 * claimed, and only while no job of the key is running. Consequences:
 *  - two jobs of one conversation lane never run at once, and never out of id order;
 *  - a job waiting for its retry time (pending, run_after in the future) holds back the later jobs of its key:
 *    messages reach Kommo in the order the buyer wrote them, even across retries;
 *  - DONE and DEAD jobs do not block. A dead job (retry budget spent, or killed as unsendable) is skipped, so one
 *    poisoned message cannot stall its conversation forever; it stays visible in status and `retry --dead`
 *    re-queues it. It then runs after the later messages that went through meanwhile (order is given up for that
 *    one message, never silently the message itself), but before any still open: a later job running when it
 *    was re-queued finishes first (one job per key at a time), then the re-queued one is the key's oldest.
 *
 * COST. Claiming walks pending jobs in id order (partial index jobs_pending) and stops once `limit` heads are found;
 * each candidate costs one index probe for the ordering rule, and a key's head a walk over its key's later open
 * jobs (is one running?). Many conversations with short queues (the normal shape) claim in about a millisecond; a
 * single conversation with tens of thousands of queued jobs makes each claim scan its queue (tens of ms). Workers should sleep until nextRunAt() when a claim returns nothing.
 *
 * LEASES. claimNext sets state running and lease_until = now + leaseMs. A worker that dies mid-job (crash,
 * SIGKILL, power loss) leaves the job running; releaseExpiredLeases(now) — called at start-up and periodically —
 * puts it back to pending, so it runs again (at-least-once: receivers de-duplicate by msgid / amojo id).
 * Each claim also records a fresh random lease token, returned with the job, and complete, fail, kill (from a
 * worker), renewLeases and release act only while the job still carries that token. A run that lost its lease
 * — its process stalled past lease_until, the sweep gave the job back and another run claimed it — therefore
 * changes nothing when it finishes late: it cannot mark done, retry or kill the job the other run now holds, nor
 * extend that run's lease (the rule graphile-worker follows with its locked_by). Those calls report the loss
 * (false / undefined / the id in renewLeases' answer).
 */
export class JobsRepo {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[number]>;
  private readonly candidatesStmt: Statement;
  private readonly leaseStmt: Statement;
  private readonly completeStmt: Statement;
  private readonly failStmt: Statement;
  private readonly killStmt: Statement;
  private readonly expiredStmt: Statement<[number]>;
  private readonly requeueStmt: Statement;
  private readonly makeDueStmt: Statement;
  private readonly renewStmt: Statement;
  private readonly countsStmt: Statement<[]>;
  private readonly deadStmt: Statement;
  private readonly nextRunStmt: Statement<[]>;
  private readonly releaseStmt: Statement;
  private readonly pruneStmt: Statement<[number]>;
  /** Lease tokens: this repository's random prefix + a counter (unique across processes and claims, cheap). */
  private readonly tokenPrefix = randomBytes(9).toString("base64url");
  private tokenCounter = 0;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO jobs (kind, ordering_key, ref_id, payload_json, shop_key, run_after, created_at, updated_at)
       VALUES (@kind, @orderingKey, @refId, @payload, @shopKey, @runAfter, @now, @now)`,
    );
    this.getStmt = db.prepare("SELECT * FROM jobs WHERE id = ?");
    // The ordering rule, in SQL: no older open job with the same key, and no later one running (only a dead job
    // re-queued meanwhile is older than a running one). `kinds`/`excluded` are JSON arrays.
    this.candidatesStmt = db.prepare(
      `SELECT j.* FROM jobs j
       WHERE j.state = 'pending' AND j.run_after <= @now
         AND (j.ordering_key IS NULL OR (NOT EXISTS (
               SELECT 1 FROM jobs k
               WHERE k.ordering_key = j.ordering_key AND k.id < j.id AND k.state IN ('pending', 'running'))
           AND NOT EXISTS (
               SELECT 1 FROM jobs k
               WHERE k.ordering_key = j.ordering_key AND k.id > j.id AND k.state IN ('pending', 'running')
                 AND k.state = 'running')))
         AND (j.shop_key IS NULL OR j.shop_key NOT IN (SELECT value FROM json_each(@excluded)))
         AND (@kinds IS NULL OR j.kind IN (SELECT value FROM json_each(@kinds)))
       ORDER BY j.id
       LIMIT @limit`,
    );
    this.leaseStmt = db.prepare(
      `UPDATE jobs SET state = 'running', lease_until = @leaseUntil, lease_token = @token, updated_at = @now
       WHERE id = @id`,
    );
    this.completeStmt = db.prepare(
      `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_token IS @token`,
    );
    this.failStmt = db.prepare(
      `UPDATE jobs SET attempts = attempts + 1, last_error = @error, last_error_code = @code, lease_until = NULL,
         lease_token = NULL, updated_at = @now, run_after = @retryAt,
         state = CASE WHEN @maxAttempts IS NOT NULL AND attempts + 1 >= @maxAttempts THEN 'dead' ELSE 'pending' END
       WHERE id = @id AND state = 'running' AND lease_token IS @token
       RETURNING state, attempts`,
    );
    this.killStmt = db.prepare(
      `UPDATE jobs SET state = 'dead', lease_until = NULL, lease_token = NULL, last_error = @error,
         last_error_code = @code, updated_at = @now
       WHERE id = @id AND (
         CASE WHEN @anyHolder THEN state IN ('pending', 'running') ELSE state = 'running' AND lease_token IS @token END)`,
    );
    this.expiredStmt = db.prepare(
      `SELECT id, attempts, lease_token FROM jobs INDEXED BY jobs_open_by_key
       WHERE state IN ('pending', 'running') AND state = 'running' AND lease_until < ? ORDER BY id`,
    );
    this.requeueStmt = db.prepare(
      `UPDATE jobs SET state = 'pending', attempts = 0, run_after = @now, lease_until = NULL, updated_at = @now
       WHERE state IN ('pending', 'running', 'dead') AND state = 'dead' -- see deadStmt
         AND (@kind IS NULL OR kind = @kind) AND (@shopKey IS NULL OR shop_key = @shopKey)`,
    );
    this.renewStmt = db.prepare(
      `UPDATE jobs SET lease_until = @leaseUntil, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_token IS @token`,
    );
    this.makeDueStmt = db.prepare(
      "UPDATE jobs SET run_after = @now, updated_at = @now WHERE state = 'pending' AND run_after > @now",
    );
    this.countsStmt = db.prepare(
      `SELECT shop_key AS shopKey,
         SUM(state = 'pending') AS pending, SUM(state = 'running') AS running, SUM(state = 'dead') AS dead
       FROM jobs WHERE state IN ('pending', 'running', 'dead')
       GROUP BY shop_key ORDER BY shop_key`,
    );
    this.deadStmt = db.prepare(
      // state IN (...) names jobs_unfinished_by_shop's condition, so done jobs are not scanned.
      `SELECT * FROM jobs INDEXED BY jobs_unfinished_by_shop WHERE state IN ('pending', 'running', 'dead') AND state = 'dead'
         AND (@shopKey IS NULL OR shop_key = @shopKey) ORDER BY id LIMIT @limit`,
    );
    this.nextRunStmt = db.prepare("SELECT MIN(run_after) AS t FROM jobs WHERE state = 'pending'");
    this.releaseStmt = db.prepare(
      `UPDATE jobs SET state = 'pending', lease_until = NULL, lease_token = NULL, updated_at = @now
       WHERE id = @id AND state = 'running' AND lease_token IS @token`,
    );
    this.pruneStmt = db.prepare("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?");
  }

  /** Adds a job; returns its id. Call inside the transaction that stores the fact the job acts on. */
  enqueue(job: NewJob, now: number = Date.now()): number {
    const info = this.insertStmt.run({
      kind: job.kind,
      orderingKey: job.orderingKey ?? null,
      refId: job.refId ?? null,
      payload: job.payload === undefined ? null : toJson(job.payload),
      shopKey: job.shopKey ?? null,
      runAfter: job.runAfter ?? now,
      now,
    });
    return Number(info.lastInsertRowid);
  }

  get(id: number): Job | undefined {
    const row = this.getStmt.get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  /**
   * Claims up to `limit` runnable jobs (oldest first) under the ordering rule, marking them running with a lease.
   * At most one job per ordering key is returned, and none whose key already has a running job. Atomic across
   * processes (IMMEDIATE transaction: select + lease under the write lock).
   */
  claimNext(opts: ClaimOptions): Job[] {
    const claim = () => {
      const rows = this.candidatesStmt.all({
        now: opts.now,
        limit: opts.limit,
        excluded: JSON.stringify(opts.excludeShopKeys ?? []),
        kinds: opts.kinds ? JSON.stringify(opts.kinds) : null,
      }) as JobRow[];
      const leaseUntil = opts.now + opts.leaseMs;
      return rows.map((row) => {
        const token = `${this.tokenPrefix}.${(++this.tokenCounter).toString(36)}`;
        this.leaseStmt.run({ id: row.id, leaseUntil, token, now: opts.now });
        return toJob({
          ...row,
          state: "running",
          lease_until: leaseUntil,
          lease_token: token,
          updated_at: opts.now,
        });
      });
    };
    // Inside a caller's (IMMEDIATE) transaction the lock is already held: no nested SAVEPOINT needed.
    return this.db.inTransaction ? claim() : this.db.transaction(claim).immediate();
  }

  /**
   * The job succeeded. False when this claim no longer holds the job (its lease expired and it was released,
   * maybe claimed again by another run): then nothing changes.
   */
  complete(lease: JobLease, now: number = Date.now()): boolean {
    return this.completeStmt.run({ id: lease.id, token: lease.leaseToken, now }).changes === 1;
  }

  /**
   * The attempt failed and may be retried: back to pending with attempts + 1, not before `retryAt`
   * (see nextRetryAt in backoff.ts). With `maxAttempts`, the failure that spends the budget makes the job dead.
   * Returns the new state, or undefined when this claim no longer holds the job (nothing changes).
   */
  fail(
    lease: JobLease,
    f: { error: string; code?: string; retryAt: number; maxAttempts?: number; now?: number },
  ): { state: "pending" | "dead"; attempts: number } | undefined {
    const row = this.failStmt.get({
      id: lease.id,
      token: lease.leaseToken,
      error: f.error,
      code: f.code ?? null,
      retryAt: f.retryAt,
      maxAttempts: f.maxAttempts ?? null,
      now: f.now ?? Date.now(),
    }) as { state: "pending" | "dead"; attempts: number } | undefined;
    return row;
  }

  /**
   * Gives up on a job now (permanent error, e.g. the platform refuses the content). It no longer blocks its key.
   * A worker passes the `leaseToken` of its claim: the job is killed only while that claim still holds it. Without
   * one (an operator's decision) a pending or running job is killed whoever holds it.
   */
  kill(
    id: number,
    error: string,
    opts: { code?: string; now?: number; leaseToken?: string | null } = {},
  ): boolean {
    const byHolder = opts.leaseToken !== undefined;
    return (
      this.killStmt.run({
        id,
        error,
        code: opts.code ?? null,
        now: opts.now ?? Date.now(),
        anyHolder: byHolder ? 0 : 1,
        token: opts.leaseToken ?? null,
      }).changes === 1
    );
  }

  /**
   * Extends the leases of jobs the caller is still working on (a heartbeat), so a run may outlast `leaseMs` —
   * slow platforms, several calls, rate-limit waits — without the lease sweep handing the job to a second
   * worker. Returns the ids whose lease this caller lost (released, maybe claimed by another run: not renewed).
   */
  renewLeases(leases: readonly JobLease[], leaseUntil: number, now: number = Date.now()): number[] {
    const renew = this.db.transaction(() =>
      leases
        .filter((l) => this.renewStmt.run({ id: l.id, token: l.leaseToken, leaseUntil, now }).changes === 0)
        .map((l) => l.id),
    );
    return renew.immediate();
  }

  /**
   * Puts claimed jobs back to pending without counting an attempt (a clean shutdown, or a claim returned unused).
   * Jobs this caller no longer holds are left alone. Returns how many were released.
   */
  release(leases: readonly JobLease[], now: number = Date.now()): number {
    const release = () =>
      leases.reduce((n, l) => n + this.releaseStmt.run({ id: l.id, token: l.leaseToken, now }).changes, 0);
    return this.db.inTransaction ? release() : this.db.transaction(release).immediate();
  }

  /**
   * Returns jobs whose worker vanished (lease expired while running) to pending, runnable at once. The lost run
   * counts as a failed attempt (code TK_ERR_JOB_LEASE_EXPIRED), so a job that kills its worker every time ends
   * dead after `maxAttempts` instead of crash-looping the daemon. Returns the number of jobs released.
   */
  releaseExpiredLeases(now: number, opts: { maxAttempts?: number } = {}): number {
    const release = this.db.transaction(() => {
      const expired = this.expiredStmt.all(now) as Array<{
        id: number;
        attempts: number;
        lease_token: string | null;
      }>;
      for (const job of expired) {
        this.failStmt.run({
          id: job.id,
          token: job.lease_token,
          error: "lease expired: the worker stopped before finishing this job",
          code: LEASE_EXPIRED_CODE,
          retryAt: now,
          maxAttempts: opts.maxAttempts ?? null,
          now,
        });
      }
      return expired.length;
    });
    return release.immediate();
  }

  /** `tokokommo retry --dead`: dead jobs (optionally of one kind / shop) back to pending with a fresh budget. */
  requeueDead(filter: { kind?: JobKind; shopKey?: string; now?: number } = {}): number {
    return this.requeueStmt.run({
      kind: filter.kind ?? null,
      shopKey: filter.shopKey ?? null,
      now: filter.now ?? Date.now(),
    }).changes;
  }

  /**
   * `tokokommo retry`: pending jobs waiting for their backoff become due now (the operator fixed the cause and
   * wants them to run). Their attempt counts stay. Returns how many.
   */
  makeWaitingDue(now: number = Date.now()): number {
    return this.makeDueStmt.run({ now }).changes;
  }

  /** Open and dead jobs per shop_key (null = jobs not tied to a shop), for `status` and metrics. */
  counts(): ShopJobCounts[] {
    return this.countsStmt.all() as ShopJobCounts[];
  }

  listDead(opts: { limit?: number; shopKey?: string } = {}): Job[] {
    return (this.deadStmt.all({ limit: opts.limit ?? 100, shopKey: opts.shopKey ?? null }) as JobRow[]).map(
      toJob,
    );
  }

  /** Earliest run_after among pending jobs (a worker idle until then may sleep); undefined when none. */
  nextRunAt(): number | undefined {
    return (this.nextRunStmt.get() as { t: number | null }).t ?? undefined;
  }

  /** Deletes done jobs last updated before `olderThan` (ms). Returns how many. */
  pruneDone(olderThan: number): number {
    return this.pruneStmt.run(olderThan).changes;
  }
}
