/** The job queue's types and how a row of the jobs table reads as a job. */
import type { TkErrorCode } from "../errors/index.js";
import { fromJson } from "./json.js";

/**
 * What a job does. The queue stores and filters kinds without interpreting them; the engine owns the meaning of
 * each kind and of its payload (domain/job-kinds.ts lists the kinds, bridge/job-kinds.ts types their payloads).
 */
export type JobKind = string;
export type JobState = "pending" | "running" | "done" | "dead";

export interface NewJob {
  kind: JobKind;
  /**
   * Jobs sharing a key run strictly one at a time, in id order (see the ordering rule below). Use
   * orderingKey(lane, room) from keys.ts; null = no ordering (may run in parallel with anything).
   */
  orderingKey?: string | null;
  /** Row id in inbound_messages / outbound_replies the job works on. */
  refId?: number | null;
  payload?: unknown;
  /** `source:shop_id` (shopKey() in keys.ts): lets status count per shop and claimNext skip a throttled shop. */
  shopKey?: string | null;
  /** Not before this time (ms); default now. */
  runAfter?: number;
}

export interface Job {
  id: number;
  kind: JobKind;
  orderingKey: string | null;
  refId: number | null;
  payload: unknown;
  state: JobState;
  /** Failed attempts so far (fail() and expired leases count; a successful run does not). */
  attempts: number;
  runAfter: number;
  leaseUntil: number | null;
  /** Who holds the lease: a fresh random token per claim, null while the job is not running (see LEASES). */
  leaseToken: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
  shopKey: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A claimed job as its claimant knows it: the id and the token of that claim (a Job from claimNext fits). */
export interface JobLease {
  id: number;
  leaseToken: string | null;
}

export interface ClaimOptions {
  now: number;
  /**
   * How long the claimer owns the job. Must exceed the longest run (HTTP timeouts included), unless the claimer
   * renews the lease while it works (renewLeases), as the engine's job runner does.
   */
  leaseMs: number;
  limit: number;
  /** Shops to skip this round (e.g. rate-limited until later); their jobs keep their place. */
  excludeShopKeys?: readonly string[];
  /** Only these kinds (default: all). */
  kinds?: readonly JobKind[];
}

export interface ShopJobCounts {
  shopKey: string | null;
  pending: number;
  running: number;
  dead: number;
}

/** Stored in last_error_code when a worker stopped mid-job (crash, SIGKILL) and its lease ran out. */
export const LEASE_EXPIRED_CODE: TkErrorCode = "TK_ERR_JOB_LEASE_EXPIRED";

export interface JobRow {
  id: number;
  kind: string;
  ordering_key: string | null;
  ref_id: number | null;
  payload_json: string | null;
  state: string;
  attempts: number;
  run_after: number;
  lease_until: number | null;
  lease_token: string | null;
  last_error: string | null;
  last_error_code: string | null;
  shop_key: string | null;
  created_at: number;
  updated_at: number;
}

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    orderingKey: r.ordering_key,
    refId: r.ref_id,
    payload: fromJson(r.payload_json),
    state: r.state as JobState,
    attempts: r.attempts,
    runAfter: r.run_after,
    leaseUntil: r.lease_until,
    leaseToken: r.lease_token,
    lastError: r.last_error,
    lastErrorCode: r.last_error_code,
    shopKey: r.shop_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
