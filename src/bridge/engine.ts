/**
 * The bridge engine: intake + poller + job runner over one state store and one topology. `serve`, the sandbox,
 * tests and benchmarks all run this same class; only the wiring (real clients or simulators) differs.
 */

import { isSourceKind } from "../domain/marketplace.js";
import { AcceptanceWatch } from "./acceptance-watch.js";
import type { DeliveredIds } from "./deliver-to-kommo.js";
import { replyJobDied } from "./deliver-to-marketplace.js";
import { jobHandlers, watchedHandlers } from "./engine-jobs.js";
import { stateFailureDetails, stateFailureText, watchQueue } from "./engine-state.js";
import { classifyError } from "./error-policy.js";
import { Intake, type KommoHookCodec } from "./intake.js";
import { DELIVER_TO_MARKETPLACE, ENRICH_LEAD, isJobOf, SYNC_ROOM } from "./job-kinds.js";
import { JobRunner, type QueuedJob } from "./job-runner.js";
import { type BridgeMetrics, createMetrics } from "./metrics.js";
import { noteLeadAccepted, noteOrderStatus, type OrderNoteDeps, type OrderNotesPort } from "./order-note.js";
import { ownedShops, type ShopChores } from "./owned-shops.js";
import type { PendingLead, PendingLeadsPort } from "./pending-leads-port.js";
import { Poller } from "./poller.js";
import { ReplyGuard } from "./reply-guard.js";
import type { ReplyGuardStore } from "./reply-guard-store.js";
import { RoomContinuity } from "./room-continuity.js";
import { StateHealth, type StateWriteFailure, stateWriteCode } from "./state-health.js";
import type { EngineStore, JobCounts } from "./store-port.js";
import { deliverFallbacks } from "./sync-room.js";
import { type ShopBinding, shopKey, type Topology } from "./topology.js";

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
  /**
   * Told when the state file starts refusing writes (the first refusal after a success) and when it takes them
   * again (undefined). The daemon shortens its busy timeout meanwhile (see daemon.ts).
   */
  onStateWritable?: (failure: StateWriteFailure | undefined) => void;
  /** Where the orders notes of leads stand (the state file's orderNotes); absent: no orders on leads. */
  orderNotes?: OrderNotesPort;
  /** Leads whose enrichment waits until a manager accepts them (the state file's pendingLeads). */
  pendingLeads: PendingLeadsPort;
  /** How often pending leads are checked for acceptance, default 60 s. */
  leadAcceptanceCheckMs?: number;
  /** The reply-time guard's state (the state file's replyWaits) and clock; absent: no guard. */
  replyGuard?: { store: ReplyGuardStore; now?: () => number; tickMs?: number };
  /**
   * Replicas on one database: whether this replica sweeps the shop now (it holds the shop's lease,
   * src/cluster/shop-leases.ts). Absent: every shop is swept here.
   */
  sweepsShop?: (shop: ShopBinding) => boolean;
}

export class BridgeEngine {
  readonly intake: Intake;
  readonly metrics: BridgeMetrics;
  readonly runner: JobRunner;
  readonly poller: Poller;
  /** Enriches pending leads once accepted. */
  readonly leadAcceptance: AcceptanceWatch;
  /** Whether the state file takes writes (readiness); every writing part of the engine reports to it. */
  readonly state: StateHealth;
  /** The reply-time guard, when the engine was given its state. */
  readonly guard: ReplyGuard | undefined;
  private readonly now: () => number;
  private readonly orders: OrderNoteDeps | undefined;

  constructor(private readonly o: EngineOptions) {
    this.now = o.now ?? Date.now;
    this.metrics = o.metrics ?? createMetrics();
    this.state = this.createStateHealth();
    const initialLookbackMs = o.initialLookbackMs ?? 24 * 3600_000;
    const continuity = new RoomContinuity();
    this.orders = o.orderNotes ? this.createOrderNotes(o.orderNotes) : undefined;
    this.guard = o.replyGuard
      ? new ReplyGuard({
          ...o.replyGuard,
          topology: this.choresOf(),
          metrics: this.metrics,
          ...(o.log ? { log: o.log } : {}),
        })
      : undefined;
    this.intake = this.createIntake(continuity, initialLookbackMs);
    this.poller = this.createPoller(initialLookbackMs);
    this.runner = this.createRunner(continuity);
    this.leadAcceptance = new AcceptanceWatch({
      topology: this.choresOf(),
      pendingLeads: o.pendingLeads,
      ...(o.leadAcceptanceCheckMs !== undefined ? { intervalMs: o.leadAcceptanceCheckMs } : {}),
      ...(o.log ? { log: o.log } : {}),
      onEnriched: (lead) => this.leadAccepted(lead),
    });
  }

  /** The shops whose periodic chores run in this process (owned-shops.ts). */
  private choresOf(): ShopChores {
    return this.o.sweepsShop ? ownedShops(this.o.topology, this.o.sweepsShop) : this.o.topology;
  }

  private createStateHealth(): StateHealth {
    const o = this.o;
    return new StateHealth({
      now: this.now,
      onFailure: (f, log) => {
        this.metrics.stateWriteFailures.inc({ code: f.code, part: f.part });
        if (log) o.log?.("error", stateFailureText(f), stateFailureDetails(f));
        if (f.count === 1) {
          o.onStateWritable?.(f);
          this.poller.catchUp();
        }
      },
      onRecovered: (f) => {
        o.onStateWritable?.(undefined);
        o.log?.("info", "the state file takes writes again; refused work is being caught up", {
          code: f.code,
          failures: f.count,
          failingForMs: this.now() - f.since,
        });
        // Webhooks answered 503 meanwhile may never come again (Tokopedia's are not retried): read the rooms.
        this.poller.catchUp();
      },
    });
  }

  private createOrderNotes(orderNotes: OrderNotesPort): OrderNoteDeps {
    return {
      store: this.o.store,
      topology: this.o.topology,
      orderNotes,
      now: this.now,
      ordersOff: new Set(),
      onOrdersUnavailable: (shop, err) =>
        this.o.log?.("warn", "orders on leads are off for this shop: the app lacks the Order scope", {
          code: err.code,
          source: shop.source,
          shop: shop.shopId,
          fix: "Add the Order Information package to the app in Partner Center and have the seller re-authorize (`tokokommo shops add --source tiktokshop`), then restart the daemon; chat is unaffected. `tokokommo doctor` checks it.",
        }),
    };
  }

  private createIntake(continuity: RoomContinuity, initialLookbackMs: number): Intake {
    const o = this.o;
    return new Intake({
      continuity,
      store: o.store,
      topology: o.topology,
      metrics: this.metrics,
      kommoHooks: o.kommoHooks,
      notify: () => this.runner.notify(),
      initialLookbackMs,
      now: this.now,
      onWarning: (msg, details) => o.log?.("warn", msg, details),
      state: this.state,
      onShopActivity: (source, shopId) => this.poller.wake(source, shopId),
      ...(this.orders
        ? {
            onOrderStatus: (tx, source, shopId, order) =>
              noteOrderStatus(this.orders!, tx, source, shopId, order),
          }
        : {}),
    });
  }

  private createPoller(initialLookbackMs: number): Poller {
    const o = this.o;
    return new Poller({
      store: o.store,
      topology: o.topology,
      metrics: this.metrics,
      intervalMs: o.pollIntervalMs,
      periodic: o.mode !== "webhook",
      initialLookbackMs,
      notify: () => this.runner.notify(),
      now: this.now,
      onError: (shop, err) =>
        o.log?.("warn", "shop sweep failed; it runs again after the poll interval", {
          code: classifyError(err).code,
          source: shop.source,
          shop: shop.shopId,
          error: String(err),
        }),
      state: this.state,
      ...(o.sweepsShop ? { sweepsShop: o.sweepsShop } : {}),
    });
  }

  private createRunner(continuity: RoomContinuity): JobRunner {
    const o = this.o;
    const deps = {
      store: o.store,
      topology: o.topology,
      metrics: this.metrics,
      now: this.now,
      continuity,
      // One info line per delivered message, ids only, so operators can follow the traffic.
      onDelivered: (ids: DeliveredIds) => o.log?.("info", "message delivered", { ...ids }),
      ...(this.orders ? { orders: this.orders } : {}),
      ...(this.guard ? { guard: this.guard } : {}),
    };
    const handlers = jobHandlers({
      ...deps,
      pendingLeads: o.pendingLeads,
      onLeadEnriched: (lead: PendingLead) => this.leadAccepted(lead),
      ...(o.log ? { log: o.log } : {}),
      attachments: o.attachments,
      ...(o.download ? { download: o.download } : {}),
    });
    return new JobRunner({
      queue: watchQueue(o.store.jobs, this.state),
      nextRetryAt: o.nextRetryAt,
      now: this.now,
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(o.perShopConcurrency !== undefined ? { perShopConcurrency: o.perShopConcurrency } : {}),
      ...(o.retryBudget !== undefined ? { retryBudget: o.retryBudget } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
      // Lead tags wait on Kommo REST's 7 requests/s per account; two at a time is all that budget feeds.
      kindConcurrency: { [ENRICH_LEAD]: 2 },
      handlers: watchedHandlers(this.state, handlers),
      onQueueError: (err) => this.queueFailed(err),
      onLeaseLost: (jobs) =>
        o.log?.("warn", "jobs lost their lease while this daemon held them; they run again from the queue", {
          code: "TK_ERR_JOB_LEASE_LOST",
          jobs: jobs.map((j) => ({ id: j.id, kind: j.kind })),
          fix: "Nothing to do if it is rare. If it repeats, the daemon's main thread stalls longer than the job lease: check nodejs_eventloop_lag_p99_seconds in /metrics and the machine's load.",
        }),
      onFinished: (job, outcome, ms) =>
        this.metrics.jobDuration.observe({ kind: job.kind, outcome }, ms / 1000),
      onRetry: (job, err) => {
        this.metrics.retries.inc({ kind: job.kind });
        this.metrics.upstreamErrors.inc({ code: err.code });
      },
      onDead: async (job, err) => {
        this.metrics.upstreamErrors.inc({ code: err.code });
        o.log?.("error", "job is dead after its retries", { kind: job.kind, job: job.id, ...err });
        await this.recordShopErrorFor(job, err);
        if (isJobOf(job, DELIVER_TO_MARKETPLACE) && job.refId !== null)
          await replyJobDied(job.refId, err, deps);
        if (isJobOf(job, SYNC_ROOM)) await deliverFallbacks(job.payload, deps);
      },
    });
  }

  /** A pending lead was accepted and enriched: the sale value held back meanwhile follows (orders note refresh). */
  private async leadAccepted(lead: PendingLead): Promise<void> {
    const [source, shopId] = lead.shopKey.split(":");
    if (!this.orders || !lead.roomId || source === undefined || !isSourceKind(source) || !shopId) return;
    try {
      await noteLeadAccepted(this.orders, source, shopId, lead.roomId);
      this.runner.notify();
    } catch (err) {
      this.o.log?.("warn", "the orders note of an accepted lead could not be queued", {
        code: classifyError(err).code,
        shop: lead.shopKey,
        lead: lead.leadId,
      });
    }
  }

  private queueFailed(err: unknown): void {
    // The state file refusing writes is reported by watchQueue (with its own code, once per 10 s).
    if (stateWriteCode(err)) return;
    this.metrics.upstreamErrors.inc({ code: "TK_ERR_STATE_QUEUE" });
    this.o.log?.("error", "the job queue in the state file failed; deliveries pause and retry shortly", {
      code: "TK_ERR_STATE_QUEUE",
      error: err instanceof Error ? err.message : String(err),
      fix: "Look for another process holding the state file locked, and check free disk space (docs/errors.md).",
    });
  }

  private async recordShopErrorFor(job: QueuedJob, err: { code: string; message: string }): Promise<void> {
    const [source, shopId] = job.shopKey.split(":");
    if (source !== undefined && isSourceKind(source) && shopId) {
      await this.o.store.recordShopError(source, shopId, err.code, err.message, this.now());
    }
  }

  /** Starts the runner, then the start-up sweep (awaited), then periodic sweeps. */
  async start(): Promise<void> {
    this.parkUnboundShops(await this.o.store.jobCounts());
    this.runner.start();
    this.leadAcceptance.start();
    this.guard?.start();
    await this.poller.start();
  }

  /**
   * Swaps the shops, apps and accounts for new ones (a config reload) without dropping work: jobs already running
   * finish with the bindings they started with; queued jobs of removed shops stay in the state file, unclaimed,
   * until the shop is bound again; added shops are swept at once (in the background) and then on their schedule.
   */
  async reconfigure(bindings: ShopBinding[]): Promise<TopologyChange> {
    const key = (b: ShopBinding) => shopKey(b.source, b.shopId);
    const before = new Set(this.o.topology.allShops().map(key));
    // Read first: if the state file refuses it, the reload fails with nothing changed.
    const counts = await this.o.store.jobCounts();
    this.o.topology.replace(bindings);
    const after = new Set(bindings.map(key));
    const added = bindings.filter((b) => !before.has(key(b)));
    const removed = [...before].filter((k) => !after.has(k));
    const parked = this.parkUnboundShops(counts);
    // Not awaited: the added shops' first sweeps run on (a slow platform must not hold up the reload).
    void this.poller.retarget(added);
    this.runner.notify();
    return { added: added.map(key), removed, parked };
  }

  /** Leaves the unfinished jobs of shops not in the topology in the queue; returns them per shop. */
  private parkUnboundShops(counts: JobCounts[]): TopologyChange["parked"] {
    const parked = counts
      .filter((c) => c.shopKey !== "" && !this.o.topology.shopByKey(c.shopKey))
      .filter((c) => c.pending + c.running > 0)
      .map((c) => ({ shop: c.shopKey, jobs: c.pending + c.running }));
    try {
      this.runner.park(new Set(parked.map((p) => p.shop)));
    } catch {
      // Giving back the claimed-but-unstarted ones failed: their leases run out and they return, parked.
    }
    for (const p of parked)
      this.o.log?.("warn", "a shop not in the config has unfinished jobs; they stay in the state file", {
        code: "TK_ERR_SHOP_NOT_CONFIGURED",
        ...p,
        fix: "Bind the shop again (`tokokommo shops add`) and its jobs run; `tokokommo status` counts them.",
      });
    return parked;
  }

  /** Stops sweeping and claiming, finishes or releases in-flight jobs. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.poller.stop();
    await this.leadAcceptance.stop();
    await this.runner.stop(graceMs);
    await this.guard?.stop();
  }

  /** Refreshes the backlog gauges (called on /metrics scrapes and by status). */
  async refreshGauges(): Promise<void> {
    const byKind = await this.o.store.jobCountsByKind();
    this.metrics.jobBacklog.reset();
    this.metrics.deadJobs.reset();
    for (const c of byKind) {
      this.metrics.jobBacklog.set({ kind: c.kind }, c.pending + c.running);
      this.metrics.deadJobs.set({ kind: c.kind }, c.dead);
    }
    this.metrics.csQuotaUsed.reset();
    this.metrics.csQuotaLimit.reset();
    for (const { shopId, usage } of quotaUsages(this.o.topology)) {
      this.metrics.csQuotaUsed.set({ shop: shopId }, usage.used);
      this.metrics.csQuotaLimit.set({ shop: shopId }, usage.limit);
    }
  }
}

/** What a reconfigure changed: shop keys (`source:shopId`) added and removed, and shops whose jobs wait. */
export interface TopologyChange {
  added: string[];
  removed: string[];
  /** Shops not in the config with unfinished jobs: kept in the state file, run once the shop is bound again. */
  parked: { shop: string; jobs: number }[];
}

/** Shops whose source counts its calls against a daily quota (TikTok Shop), with today's use. */
function quotaUsages(topology: Topology): { shopId: string; usage: { used: number; limit: number } }[] {
  const out: { shopId: string; usage: { used: number; limit: number } }[] = [];
  for (const shop of topology.allShops()) {
    const usage = shop.app.marketplace.quotaUsage?.(shop.shopId);
    if (usage) out.push({ shopId: shop.shopId, usage });
  }
  return out;
}
