/**
 * The job queue over PostgreSQL (JobQueuePort), shared by every replica on the database.
 *
 * WHICH JOB IS CLAIMABLE. A pending, due job whose ordering key has no running job and no older pending job (the
 * queue offers only the oldest unfinished job of each key; done and dead jobs do not block), the rule of
 * store/jobs.ts: a dead job put back by `retry --dead` waits while a later job of its key runs, then goes first.
 *
 * WHY TWO CLAIMERS NEVER HOLD TWO JOBS OF ONE KEY. A claim (one READ COMMITTED transaction):
 *   1. selects candidates under the rule above, `FOR UPDATE SKIP LOCKED`: each candidate row is locked by this
 *      claim, rows another claim has locked are skipped (never waited for);
 *   2. takes, for each candidate's key, `pg_try_advisory_xact_lock(hash of key)`; a candidate whose key lock is
 *      held by another transaction is dropped for this round (left pending, untouched);
 *   3. re-checks the rule for the remaining candidates in a new statement, so with a snapshot taken after the key
 *      locks were granted, and drops any that now fail it;
 *   4. marks the rest running with a lease and a fresh lease token, and commits (releasing the key locks).
 * Step 1 alone is not enough: two claims whose snapshots were taken before either committed can each see an
 * older job of the key as finished (e.g. `retry --dead` re-queuing it meanwhile) and pick different jobs of one
 * key; row locks cannot stop them, since they lock different rows. Steps 2–3 close that: a job only becomes
 * running in a transaction that holds its key's lock, so such transactions on one key follow each other; the
 * later one takes its re-check snapshot after the earlier one committed (PostgreSQL marks a transaction committed
 * before it releases its locks), sees that job running, and drops its own candidate. Try-locks never wait, so
 * claims cannot deadlock on them. Every other state change (complete, fail, kill, the lease sweep, requeue) only
 * ends a running job or makes a job pending, which can hold later jobs back but never makes a second one run.
 *
 * LEASES. A claim sets lease_until = now + leaseMs and a lease token. complete, fail, kill, renew and release
 * act only while the job still carries the caller's token, so a run that lost its lease (its replica stalled or
 * died; releaseExpiredLeases, run by any replica, gave the job back and another claim took it) changes nothing.
 * Lease times come from the callers' clocks: replicas must keep their clocks in step (NTP), well within the time
 * between two renewals, or a live replica's job may be taken over early (it then runs twice, never recorded twice).
 */
import { randomBytes } from "node:crypto";
import type { JobClaim, QueuedJob } from "../../bridge/job-runner.js";
import type { JobQueuePort } from "../../bridge/store-port.js";
import { LEASE_EXPIRED_CODE } from "../job-types.js";
import { fromJson } from "../json.js";
import type { Sql } from "./sql.js";
import type { PgStoreTx } from "./store-tx.js";
import type { PgWriteBehind } from "./write-behind.js";

type ClaimOptions = Parameters<JobQueuePort["claimNext"]>[0];

interface CandidateRow {
  id: number;
  kind: string;
  ordering_key: string | null;
  shop_key: string | null;
  attempts: number;
  payload_json: string | null;
  ref_id: number | null;
}

/** No other job of the key running, and no older one pending (the claim rule; `j` is the candidate). */
const KEY_FREE = `(j.ordering_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM jobs k WHERE k.ordering_key = j.ordering_key AND k.id <> j.id
    AND k.state IN ('pending', 'running') AND (k.state = 'running' OR k.id < j.id)))`;

const CANDIDATES = `SELECT j.id, j.kind, j.ordering_key, j.shop_key, j.attempts, j.payload_json, j.ref_id FROM jobs j
  WHERE j.state = 'pending' AND j.run_after <= $1 AND ${KEY_FREE}
    AND (j.shop_key IS NULL OR NOT (j.shop_key = ANY($2::text[])))
    AND ($3::text[] IS NULL OR j.kind = ANY($3::text[]))
  ORDER BY j.id LIMIT $4
  FOR UPDATE OF j SKIP LOCKED`;

/** Of the candidates (ids), those whose key lock this transaction holds and that still pass the rule. */
const LOCK_AND_RECHECK = {
  lock: `SELECT c.id FROM jobs c WHERE c.id = ANY($1::bigint[])
    AND (c.ordering_key IS NULL OR pg_try_advisory_xact_lock(hashtextextended(c.ordering_key, 0)))`,
  recheck: `SELECT j.id FROM jobs j WHERE j.id = ANY($1::bigint[]) AND ${KEY_FREE}`,
};

/** Steps 1–4 of the claim (see the top of this file), inside the caller's transaction. */
async function claimJobs(sql: Sql, o: ClaimOptions, nextToken: () => string): Promise<QueuedJob[]> {
  const rows = await sql.query<CandidateRow>(CANDIDATES, [
    o.now,
    o.excludeShopKeys ?? [],
    o.kinds ?? null,
    o.limit,
  ]);
  if (rows.length === 0) return [];
  const locked = await sql.query<{ id: number }>(LOCK_AND_RECHECK.lock, [rows.map((r) => r.id)]);
  const free = await sql.query<{ id: number }>(LOCK_AND_RECHECK.recheck, [locked.map((r) => r.id)]);
  const ids = new Set(free.map((r) => r.id));
  const claimed = rows.filter((r) => ids.has(r.id)).map((r) => ({ row: r, token: nextToken() }));
  if (claimed.length === 0) return [];
  await sql.query(
    `UPDATE jobs SET state = 'running', lease_until = $3, lease_token = h.token, updated_at = $4
     FROM unnest($1::bigint[], $2::text[]) AS h(id, token) WHERE jobs.id = h.id`,
    [claimed.map((c) => c.row.id), claimed.map((c) => c.token), o.now + o.leaseMs, o.now],
  );
  return claimed.map(({ row, token }) => ({
    id: row.id,
    kind: row.kind,
    orderingKey: row.ordering_key ?? "",
    shopKey: row.shop_key ?? "",
    attempts: row.attempts,
    payload: fromJson(row.payload_json),
    refId: row.ref_id,
    leaseToken: token,
  }));
}

export function pgJobQueue(
  transaction: <T>(fn: (tx: PgStoreTx) => Promise<T>) => Promise<T>,
  pool: Sql,
  behind: PgWriteBehind<PgStoreTx>,
  retryBudget: number,
): JobQueuePort {
  const prefix = randomBytes(9).toString("base64url");
  let counter = 0;
  const nextToken = () => `${prefix}.${(++counter).toString(36)}`;
  const HELD = "id = $1 AND state = 'running' AND lease_token IS NOT DISTINCT FROM $2";
  return {
    // Writes queued behind (completions, delivered marks) commit with the claim: the ordering rule sees them.
    async claimNext(o) {
      const queued = await behind.takeForTransaction();
      return transaction(async (tx) => {
        await queued(tx);
        return claimJobs(tx.sql, o, nextToken);
      });
    },
    complete: async (job) =>
      behind.push(async (tx) => {
        await tx.sql.query(
          `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, updated_at = $3 WHERE ${HELD}`,
          [job.id, job.leaseToken, Date.now()],
        );
      }),
    flush: () => behind.flush(),
    async fail(job, f) {
      await pool.query(
        `UPDATE jobs SET attempts = attempts + 1, last_error = $3, last_error_code = $4, lease_until = NULL,
           lease_token = NULL, updated_at = $5, run_after = $6, state = 'pending' WHERE ${HELD}`,
        [job.id, job.leaseToken, f.error, f.code ?? null, Date.now(), f.retryAt],
      );
    },
    async kill(job, error, code) {
      await pool.query(
        `UPDATE jobs SET state = 'dead', lease_until = NULL, lease_token = NULL, last_error = $3,
           last_error_code = $4, updated_at = $5 WHERE ${HELD}`,
        [job.id, job.leaseToken, error, code ?? null, Date.now()],
      );
    },
    // One statement: replicas sweeping at once each update a job only while it is still running and expired.
    async releaseExpiredLeases(now) {
      const rows = await pool.query(
        `UPDATE jobs SET attempts = attempts + 1, last_error = $2, last_error_code = $3, lease_until = NULL,
           lease_token = NULL, updated_at = $1, run_after = $1,
           state = CASE WHEN attempts + 1 >= $4 THEN 'dead' ELSE 'pending' END
         WHERE state = 'running' AND lease_until < $1 RETURNING 1`,
        [now, "lease expired: the worker stopped before finishing this job", LEASE_EXPIRED_CODE, retryBudget],
      );
      return rows.length;
    },
    async renewLeases(held, leaseUntil) {
      if (held.length === 0) return [];
      const rows = await pool.query<{ id: number; token: string }>(
        `UPDATE jobs SET lease_until = $3, updated_at = $4 FROM unnest($1::bigint[], $2::text[]) AS h(id, token)
         WHERE jobs.id = h.id AND jobs.state = 'running' AND jobs.lease_token IS NOT DISTINCT FROM h.token
         RETURNING jobs.id, h.token`,
        [held.map((j) => j.id), held.map((j) => j.leaseToken), leaseUntil, Date.now()],
      );
      const kept = new Set(rows.map((r) => `${r.id} ${r.token}`));
      return held.filter((j) => !kept.has(`${j.id} ${j.leaseToken}`)).map((j) => j.id);
    },
    async release(held: JobClaim[]) {
      const queued = await behind.takeForTransaction();
      await transaction(async (tx) => {
        await queued(tx);
        for (const job of held) {
          await tx.sql.query(
            `UPDATE jobs SET state = 'pending', lease_until = NULL, lease_token = NULL, updated_at = $3 WHERE ${HELD}`,
            [job.id, job.leaseToken, Date.now()],
          );
        }
      });
    },
  };
}
