/**
 * The bridge engine: intake + poller + job runner over one state store and one topology. `serve`, the sandbox,
 * tests and benchmarks all run this same class; only the wiring (real clients or simulators) differs.
 */
import { deliverToKommo } from "./deliver-to-kommo.js";
import { deliverToMarketplace, type ReportStatusPayload, replyJobDied } from "./deliver-to-marketplace.js";
import {
  DELIVER_TO_KOMMO,
  DELIVER_TO_MARKETPLACE,
  ENRICH_LEAD,
  Intake,
  type KommoHookCodec,
  REPORT_STATUS,
} from "./intake.js";
import { JobRunner, type QueuedJob } from "./job-runner.js";
import { SYNC_ROOM } from "./mark-room.js";
import { type BridgeMetrics, createMetrics } from "./metrics.js";
import { Poller } from "./poller.js";
import type { EngineStore, SourceRoomRef } from "./store-port.js";
import { deliverFallbacks, syncRoom } from "./sync-room.js";
import type { Topology } from "./topology.js";

export interface EngineOptions {
  store: EngineStore;
  topology: Topology;
  kommoHooks: KommoHookCodec;
  nextRetryAt: (opts: { attempt: number; now: number; retryAfterMs?: number }) => number;
  mode: "webhook" | "poll" | "hybrid";
  pollIntervalMs: number;
  attachments: "reject" | "link";
  initialLookbackMs?: number;
  concurrency?: number;
  perShopConcurrency?: number;
  retryBudget?: number;
  leaseMs?: number;
  metrics?: BridgeMetrics;
  download?: (url: string) => Promise<{ bytes: Uint8Array; contentType: string }>;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", msg: string, details?: Record<string, unknown>) => void;
}

export class BridgeEngine {
  readonly intake: Intake;
  readonly metrics: BridgeMetrics;
  readonly runner: JobRunner;
  readonly poller: Poller;
  private readonly now: () => number;

  constructor(private readonly o: EngineOptions) {
    this.now = o.now ?? Date.now;
    this.metrics = o.metrics ?? createMetrics();
    const initialLookbackMs = o.initialLookbackMs ?? 24 * 3600_000;
    const notify = () => this.runner.notify();
    this.intake = new Intake({
      store: o.store,
      topology: o.topology,
      metrics: this.metrics,
      kommoHooks: o.kommoHooks,
      notify,
      initialLookbackMs,
      now: this.now,
      onWarning: (msg, details) => o.log?.("warn", msg, details),
    });
    this.poller = new Poller({
      store: o.store,
      topology: o.topology,
      metrics: this.metrics,
      intervalMs: o.pollIntervalMs,
      periodic: o.mode !== "webhook",
      initialLookbackMs,
      notify,
      now: this.now,
      onError: (shop, err) =>
        o.log?.("warn", "shop sweep failed", { source: shop.source, shop: shop.shopId, error: String(err) }),
    });
    const deps = { store: o.store, topology: o.topology, metrics: this.metrics, now: this.now };
    this.runner = new JobRunner({
      queue: o.store.jobs,
      nextRetryAt: o.nextRetryAt,
      now: this.now,
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(o.perShopConcurrency !== undefined ? { perShopConcurrency: o.perShopConcurrency } : {}),
      ...(o.retryBudget !== undefined ? { retryBudget: o.retryBudget } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
      // Lead tags wait on Kommo REST's 7 requests/s per account; two at a time is all that budget feeds.
      kindConcurrency: { [ENRICH_LEAD]: 2 },
      handlers: {
        [SYNC_ROOM]: async (job) => {
          await syncRoom(job.payload as SourceRoomRef, deps);
        },
        [DELIVER_TO_KOMMO]: (job) => deliverToKommo(requireRef(job), deps),
        [DELIVER_TO_MARKETPLACE]: (job) =>
          deliverToMarketplace(requireRef(job), job.attempts, {
            ...deps,
            attachments: o.attachments,
            ...(o.download ? { download: o.download } : {}),
          }),
        [REPORT_STATUS]: async (job) => {
          const p = job.payload as ReportStatusPayload;
          const account = o.topology.accountByScope(p.scopeId);
          if (!account) return; // the account was removed from the config; nobody to tell
          await account.chats.sendDeliveryStatus(p.scopeId, p.amojoMessageId, p.status);
        },
        [ENRICH_LEAD]: async (job) => {
          const p = job.payload as { amojoChatId: string; tags: string[]; scopeId?: string };
          const shop = o.topology
            .allShops()
            .find((s) => s.kommo.rest && job.shopKey === `${s.source}:${s.shopId}`);
          await shop?.kommo.rest?.tagLeadOfChat(p.amojoChatId, p.tags);
        },
      },
      onQueueError: (err) => {
        this.metrics.upstreamErrors.inc({ code: "TK_ERR_STATE_QUEUE" });
        o.log?.("error", "the job queue in the state file failed; deliveries pause and retry shortly", {
          code: "TK_ERR_STATE_QUEUE",
          error: err instanceof Error ? err.message : String(err),
          fix: "Look for another process holding the state file locked, and check free disk space (docs/errors.md).",
        });
      },
      onFinished: (job, outcome, ms) =>
        this.metrics.jobDuration.observe({ kind: job.kind, outcome }, ms / 1000),
      onRetry: (job, err) => {
        this.metrics.retries.inc({ kind: job.kind });
        this.metrics.upstreamErrors.inc({ code: err.code });
      },
      onDead: (job, err) => {
        this.metrics.upstreamErrors.inc({ code: err.code });
        o.log?.("error", "job is dead after its retries", { kind: job.kind, job: job.id, ...err });
        this.recordShopErrorFor(job, err);
        if (job.kind === DELIVER_TO_MARKETPLACE && job.refId !== null) replyJobDied(job.refId, err, deps);
        if (job.kind === SYNC_ROOM) deliverFallbacks(job.payload as SourceRoomRef, deps);
      },
    });
  }

  private recordShopErrorFor(job: QueuedJob, err: { code: string; message: string }): void {
    const [source, shopId] = job.shopKey.split(":");
    if ((source === "tokopedia" || source === "tiktokshop") && shopId) {
      this.o.store.recordShopError(source, shopId, err.code, err.message, this.now());
    }
  }

  /** Starts the runner, then the start-up sweep (awaited), then periodic sweeps. */
  async start(): Promise<void> {
    this.runner.start();
    await this.poller.start();
  }

  /** Stops sweeping and claiming, finishes or releases in-flight jobs. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.poller.stop();
    await this.runner.stop(graceMs);
  }

  /** Refreshes the backlog gauges (called on /metrics scrapes and by status). */
  refreshGauges(): void {
    const byKind = this.o.store.jobCountsByKind();
    this.metrics.jobBacklog.reset();
    this.metrics.deadJobs.reset();
    for (const c of byKind) {
      this.metrics.jobBacklog.set({ kind: c.kind }, c.pending + c.running);
      this.metrics.deadJobs.set({ kind: c.kind }, c.dead);
    }
  }
}

function requireRef(job: QueuedJob): number {
  if (job.refId === null) throw new Error(`job ${job.id} (${job.kind}) has no ref_id`);
  return job.refId;
}
