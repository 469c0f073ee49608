/**
 * Prometheus metrics of the daemon (GET /metrics). One registry per engine, so tests and the sandbox can run
 * several engines in one process without clashing.
 */
import { Counter, Gauge, Registry } from "prom-client";

export interface BridgeMetrics {
  registry: Registry;
  messagesIn: Counter<"source" | "shop">;
  messagesOut: Counter<"source" | "shop">;
  jobBacklog: Gauge<"kind">;
  deadJobs: Gauge<"kind">;
  retries: Counter<"kind">;
  upstreamErrors: Counter<"code">;
  webhookRejections: Counter<"route" | "reason">;
  stateWriteFailures: Counter<"code" | "part">;
}

export function createMetrics(): BridgeMetrics {
  const registry = new Registry();
  const r = [registry];
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
    stateWriteFailures: new Counter({
      name: "tokokommo_state_write_failures_total",
      help: "Writes the state file refused (locked by another process, disk full or failing), by code and daemon part",
      labelNames: ["code", "part"],
      registers: r,
    }),
  };
}
