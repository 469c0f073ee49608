/**
 * The kinds of outbox job and the payload each carries. The queue stores a job's kind and payload as text; this map
 * is the one place that says which payload a kind has, so that enqueuing a job and handling it are both checked by
 * the compiler, and the one cast from the queue's untyped row happens in `dispatchTable` below.
 */
import type { SourceKind } from "../domain/index.js";
import type { JobKind } from "../domain/job-kinds.js";
import type { QueuedJob } from "./job-runner.js";
import type { KommoDeliveryStatus } from "./ports.js";
import type { SourceRoomRef } from "./store-port.js";

/** Tell Kommo how a manager's reply went (the delivery status shown under the message). */
export interface ReportStatusPayload {
  scopeId: string;
  amojoMessageId: string;
  status: KommoDeliveryStatus;
}

/** Put the shop's tags on the Kommo lead of a chat, once Kommo has made the lead. */
export interface TagLeadPayload {
  amojoChatId: string;
  tags: string[];
  /** The conversation (absent in jobs queued by earlier versions): its orders note refreshes once accepted. */
  roomId?: string;
}

/** Bring the orders note of a conversation's lead up to date (its row in the order-notes store says which). */
export interface RefreshOrdersPayload {
  source: SourceKind;
  shopId: string;
  roomId: string;
  /**
   * What asked for it: the lead's first buyer message, a message after a quiet spell, an order webhook, an invoice
   * the buyer shared (legacy Tokopedia), the lead's acceptance (the sale value was held back while incoming).
   */
  reason: "new_lead" | "quiet_spell" | "order_status" | "invoice_shared" | "lead_accepted";
}

/**
 * Per kind: its payload, or `undefined` for the kinds that point at a stored row through `refId` instead
 * (an inbound message for deliver_to_kommo, a reply for deliver_to_marketplace).
 */
export interface JobPayloads {
  /** Read one conversation from its marketplace and store what is new. */
  sync_room: SourceRoomRef;
  /** Send one stored inbound message to Kommo (refId: the message). */
  deliver_to_kommo: undefined;
  /** Send one stored manager reply to the marketplace (refId: the reply). */
  deliver_to_marketplace: undefined;
  report_status: ReportStatusPayload;
  enrich_lead: TagLeadPayload;
  refresh_orders: RefreshOrdersPayload;
}

/** Compile-time check that JobPayloads names exactly the kinds the queue knows. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const payloadsCoverEveryKind: Exactly<keyof JobPayloads, JobKind> = true;
void payloadsCoverEveryKind;

export {
  DELIVER_TO_KOMMO,
  DELIVER_TO_MARKETPLACE,
  ENRICH_LEAD,
  REFRESH_ORDERS,
  REPORT_STATUS,
  SYNC_ROOM,
} from "../domain/job-kinds.js";

/** Kinds whose job points at a stored row (`refId`) and carries no payload. */
type RefKind = { [K in JobKind]: JobPayloads[K] extends undefined ? K : never }[JobKind];

/** A job to enqueue: a ref kind names its row, any other kind carries its payload. */
export type NewJobOf<K extends JobKind = JobKind> = K extends JobKind
  ? {
      kind: K;
      orderingKey: string;
      shopKey: string;
      runAfter?: number;
    } & (K extends RefKind ? { refId: number } : { payload: JobPayloads[K] })
  : never;

/** A claimed job of one kind, its payload typed. */
export type JobOf<K extends JobKind> = Omit<QueuedJob, "kind" | "payload"> & {
  kind: K;
  payload: JobPayloads[K];
};

/** One handler per kind: adding a kind without its handler is a compile error. */
export type JobHandlers = { [K in JobKind]: (job: JobOf<K>) => Promise<void> };

/**
 * The handlers as the runner looks them up, by the kind text read from the queue. The payload was written by
 * `enqueue` from a NewJobOf of the same kind, so the cast here is the one the map above guarantees.
 */
export function dispatchTable(handlers: JobHandlers): Record<string, (job: QueuedJob) => Promise<void>> {
  const table: Record<string, (job: QueuedJob) => Promise<void>> = {};
  for (const kind of Object.keys(handlers) as JobKind[]) {
    const handler = handlers[kind] as (job: QueuedJob) => Promise<void>;
    table[kind] = handler;
  }
  return table;
}

/** Narrows a claimed job to its kind, typing its payload (the queue row was written from a NewJobOf of it). */
export function isJobOf<K extends JobKind>(job: QueuedJob, kind: K): job is QueuedJob & JobOf<K> {
  return job.kind === kind;
}
