/**
 * The outbox's reads and writes that run inside (or beside) the engine's transactions, in PostgreSQL: the same
 * rules as store/jobs.ts. Claims and leases are in job-queue.ts.
 */

import type { NewJobOf } from "../../bridge/job-kinds.js";
import type { JobCounts } from "../../bridge/store-port.js";
import type { JobKind } from "../../domain/job-kinds.js";
import { toJson } from "../json.js";
import type { Sql } from "./sql.js";

export async function enqueue(sql: Sql, job: NewJobOf, now: number): Promise<number> {
  const payload = "payload" in job && job.payload !== undefined ? toJson(job.payload) : null;
  const refId = "refId" in job ? (job.refId ?? null) : null;
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO jobs (kind, ordering_key, ref_id, payload_json, shop_key, run_after, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
    [job.kind, job.orderingKey ?? null, refId, payload, job.shopKey ?? null, job.runAfter ?? now, now],
  );
  return row!.id;
}

export async function hasPendingJob(sql: Sql, kind: JobKind, orderingKey: string): Promise<boolean> {
  const rows = await sql.query(
    `SELECT 1 FROM jobs WHERE ordering_key = $1 AND state IN ('pending', 'running') AND state = 'pending'
       AND kind = $2 LIMIT 1`,
    [orderingKey, kind],
  );
  return rows.length > 0;
}

export function openJobs(
  sql: Sql,
  kind: JobKind,
  orderingKey: string,
): Promise<{ state: "pending" | "running"; runAfter: number; lastErrorCode: string | null }[]> {
  return sql.query(
    `SELECT state, run_after AS "runAfter", last_error_code AS "lastErrorCode" FROM jobs
     WHERE ordering_key = $1 AND state IN ('pending', 'running') AND kind = $2 ORDER BY id`,
    [orderingKey, kind],
  );
}

const COUNTS = `COUNT(*) FILTER (WHERE state = 'pending')::int AS pending,
  COUNT(*) FILTER (WHERE state = 'running')::int AS running, COUNT(*) FILTER (WHERE state = 'dead')::int AS dead`;

export async function jobCounts(sql: Sql): Promise<JobCounts[]> {
  const rows = await sql.query<{ shopKey: string | null; pending: number; running: number; dead: number }>(
    `SELECT shop_key AS "shopKey", ${COUNTS} FROM jobs WHERE state IN ('pending', 'running', 'dead')
     GROUP BY shop_key ORDER BY shop_key`,
  );
  return rows.map((c) => ({ ...c, shopKey: c.shopKey ?? "" }));
}

export function jobCountsByKind(
  sql: Sql,
): Promise<{ kind: string; pending: number; running: number; dead: number }[]> {
  return sql.query(
    `SELECT kind, ${COUNTS} FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY kind ORDER BY kind`,
  );
}

/** `retry --dead`: dead jobs (optionally of one kind) back to pending with a fresh budget. */
export async function requeueDead(sql: Sql, kind?: JobKind): Promise<number> {
  const rows = await sql.query(
    `UPDATE jobs SET state = 'pending', attempts = 0, run_after = $2, lease_until = NULL, updated_at = $2
     WHERE state = 'dead' AND ($1::text IS NULL OR kind = $1) RETURNING 1`,
    [kind ?? null, Date.now()],
  );
  return rows.length;
}

/** `retry`: pending jobs waiting for their retry time become due now (attempts kept); running ones untouched. */
export async function makeWaitingDue(sql: Sql, now: number): Promise<number> {
  const rows = await sql.query(
    "UPDATE jobs SET run_after = $1, updated_at = $1 WHERE state = 'pending' AND run_after > $1 RETURNING 1",
    [now],
  );
  return rows.length;
}
