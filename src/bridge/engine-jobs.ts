/**
 * The engine's job handlers: one per job kind (bridge/job-kinds.ts), each typed by its kind's payload, and the
 * wrapper that tells a state-file refusal apart from a platform failure.
 */
import { TkError } from "../errors/index.js";
import { type DeliveredIds, deliverToKommo } from "./deliver-to-kommo.js";
import { deliverToMarketplace } from "./deliver-to-marketplace.js";
import { enrichLeadJob } from "./enrich-lead.js";
import { dispatchTable, type JobHandlers } from "./job-kinds.js";
import type { JobHandler, QueuedJob } from "./job-runner.js";
import type { BridgeMetrics } from "./metrics.js";
import { type OrderNoteDeps, refreshOrders } from "./order-note.js";
import type { PendingLead, PendingLeadsPort } from "./pending-leads-port.js";
import type { ReplyGuardHooks } from "./reply-guard.js";
import type { RoomContinuity } from "./room-continuity.js";
import type { StateHealth } from "./state-health.js";
import type { EngineStore } from "./store-port.js";
import { syncRoom } from "./sync-room.js";
import type { Topology } from "./topology.js";

/** What the handlers share. */
export interface HandlerDeps {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  now: () => number;
  continuity: RoomContinuity;
  /** Told of each message delivered either way (ids only: the delivery log line). */
  onDelivered?: (ids: DeliveredIds) => void;
  attachments: "reject" | "link";
  download?: (url: string) => Promise<{ bytes: Uint8Array; contentType: string }>;
  /** The orders note on leads (absent: no order notes at all). */
  orders?: OrderNoteDeps;
  /** Leads whose enrichment waits for their acceptance. */
  pendingLeads: PendingLeadsPort;
  /** A lead enriched by its job (the engine refreshes its orders note, for the sale value). */
  onLeadEnriched?: (lead: PendingLead) => Promise<void>;
  log?: (level: "info" | "warn", msg: string, details?: Record<string, unknown>) => void;
  /** The reply-time guard (absent: no guard). */
  guard?: ReplyGuardHooks;
}

export function jobHandlers(deps: HandlerDeps): JobHandlers {
  const { attachments, download, pendingLeads, log, onLeadEnriched, ...common } = deps;
  return {
    sync_room: async (job) => {
      await syncRoom(job.payload, common);
    },
    deliver_to_kommo: (job) => deliverToKommo(requireRef(job), common),
    deliver_to_marketplace: (job) =>
      deliverToMarketplace(requireRef(job), job.attempts, {
        ...common,
        attachments,
        ...(download ? { download } : {}),
      }),
    report_status: async (job) => {
      const p = job.payload;
      const account = deps.topology.accountByScope(p.scopeId);
      if (!account) return; // the account was removed from the config; nobody to tell
      await account.chats.sendDeliveryStatus(p.scopeId, p.amojoMessageId, p.status);
    },
    enrich_lead: (job) =>
      enrichLeadJob(job, {
        topology: deps.topology,
        pendingLeads,
        now: deps.now,
        ...(log ? { log } : {}),
        ...(onLeadEnriched ? { onEnriched: onLeadEnriched } : {}),
      }),
    refresh_orders: async (job) => {
      if (deps.orders) await refreshOrders(job, deps.orders);
    },
  };
}

/**
 * The handlers as the runner looks them up, each reporting to the state health: a handler whose own write is
 * refused by the state file (marking a message delivered, inserting what a sync read) fails with the state's code
 * instead of TK_ERR_INTERNAL. It is retried like any failure, and its last error tells the operator the cause was
 * the state file, not the platform.
 */
export function watchedHandlers(state: StateHealth, handlers: JobHandlers): Record<string, JobHandler> {
  const watched: Record<string, JobHandler> = {};
  for (const [kind, handler] of Object.entries(dispatchTable(handlers))) {
    watched[kind] = async (job) => {
      try {
        await handler(job);
      } catch (err) {
        const code = state.failed("jobs", err);
        if (!code) throw err;
        throw new TkError(code, `The state file refused a write: ${(err as Error).message}`, {
          details: { retryable: true },
          cause: err,
        });
      }
    };
  }
  return watched;
}

function requireRef(job: Pick<QueuedJob, "id" | "kind" | "refId">): number {
  if (job.refId === null) throw new Error(`job ${job.id} (${job.kind}) has no ref_id`);
  return job.refId;
}
