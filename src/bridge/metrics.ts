/**
 * Prometheus metrics of the daemon (GET /metrics). One registry per engine, so tests and the sandbox can run
 * several engines in one process without clashing.
 *
 * Besides the bridge's own series, the registry carries prom-client's process defaults (CPU, memory, heap, GC,
 * open handles, and event-loop lag: a main thread stalled by one slow request shows there first) and a histogram
 * of how long jobs take, by kind and outcome.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface BridgeMetrics {
  registry: Registry;
  messagesIn: Counter<"source" | "shop">;
  messagesOut: Counter<"source" | "shop">;
  jobBacklog: Gauge<"kind">;
  deadJobs: Gauge<"kind">;
  retries: Counter<"kind">;
  upstreamErrors: Counter<"code">;
  webhookRejections: Counter<"route" | "reason">;
  jobDuration: Histogram<"kind" | "outcome">;
  stateWriteFailures: Counter<"code" | "part">;
  /** TikTok Shop Customer Service calls counted today per shop, and the shop's daily quota. */
  csQuotaUsed: Gauge<"shop">;
  csQuotaLimit: Gauge<"shop">;
  /** The reply-time guard, refreshed at each of its ticks: buyers waiting now and the oldest wait, per shop. */
  replyWaiting: Gauge<"source" | "shop">;
  replyOldestWait: Gauge<"source" | "shop">;
  /** Overdue tasks the guard created on Kommo leads. */
  overdueTasks: Counter<"source" | "shop">;
}

export function createMetrics(): BridgeMetrics {
  const registry = new Registry();
  const r = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    messagesIn: new Counter({
      name: "tokokommo_messages_in_total",
      help: "Buyer messages delivered to Kommo",
      labelNames: ["source", "shop"],
      registers: r,
    }),
    messagesOut: new Counter({
      name: "tokokommo_messages_out_total",
      help: "Kommo replies delivered to the marketplace",
      labelNames: ["source", "shop"],
      registers: r,
    }),
    jobBacklog: new Gauge({
      name: "tokokommo_job_backlog",
      help: "Jobs waiting or running",
      labelNames: ["kind"],
      registers: r,
    }),
    csQuotaUsed: new Gauge({
      name: "tokokommo_tiktokshop_quota_used_calls",
      help: "Tokopedia & Shop Customer Service calls counted today (quota day) per shop",
      labelNames: ["shop"],
      registers: r,
    }),
    csQuotaLimit: new Gauge({
      name: "tokokommo_tiktokshop_quota_limit_calls",
      help: "Daily Customer Service quota per shop (tiktokshop.apps[].dailyCallQuota)",
      labelNames: ["shop"],
      registers: r,
    }),
    deadJobs: new Gauge({
      name: "tokokommo_dead_jobs",
      help: "Jobs that used up their retry budget (see `tokokommo retry --dead`)",
      labelNames: ["kind"],
      registers: r,
    }),
    retries: new Counter({
      name: "tokokommo_job_retries_total",
      help: "Job attempts that failed and were scheduled again",
      labelNames: ["kind"],
      registers: r,
    }),
    upstreamErrors: new Counter({
      name: "tokokommo_upstream_errors_total",
      help: "Errors from Tokopedia, TikTok Shop or Kommo by error code",
      labelNames: ["code"],
      registers: r,
    }),
    webhookRejections: new Counter({
      name: "tokokommo_webhook_rejections_total",
      help: "Webhooks refused (bad signature, malformed, unknown app or scope, too large)",
      labelNames: ["route", "reason"],
      registers: r,
    }),
    jobDuration: new Histogram({
      name: "tokokommo_job_duration_seconds",
      // outcome: done, retry (failed, scheduled again) or dead (failed for good).
      help: "How long one run of a job took (handler and its bookkeeping), by kind and outcome (done, retry, dead)",
      labelNames: ["kind", "outcome"],
      // From a local commit (ms) to a call that waits out HTTP timeouts and rate limits (tens of seconds).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    ...guardMetrics(r),
    stateWriteFailures: new Counter({
      name: "tokokommo_state_write_failures_total",
      help: "Writes the state file refused (locked by another process, disk full or failing), by code and daemon part",
      labelNames: ["code", "part"],
      registers: r,
    }),
  };
}

/** The reply-time guard's series (reply-guard.ts). */
function guardMetrics(
  r: Registry[],
): Pick<BridgeMetrics, "replyWaiting" | "replyOldestWait" | "overdueTasks"> {
  return {
    replyWaiting: new Gauge({
      name: "tokokommo_reply_waiting_conversations",
      help: "Conversations whose buyer waits for a reply now, per shop (refreshed every reply-guard tick)",
      labelNames: ["source", "shop"],
      registers: r,
    }),
    replyOldestWait: new Gauge({
      name: "tokokommo_reply_oldest_wait_seconds",
      help: "How long the longest-waiting buyer of the shop has waited, in seconds (0: nobody waits)",
      labelNames: ["source", "shop"],
      registers: r,
    }),
    overdueTasks: new Counter({
      name: "tokokommo_reply_overdue_tasks_total",
      help: "Kommo tasks the reply-time guard created for buyers waiting past replyGuard.warnAfterMinutes",
      labelNames: ["source", "shop"],
      registers: r,
    }),
  };
}
