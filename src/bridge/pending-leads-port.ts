/**
 * Leads the bridge may not write to yet: Kommo's Chats API makes each new chat's lead in its pipeline's incoming
 * stage, and any write to it there (tags, price, responsible user, stage) takes it out of incoming — the manager's
 * decision. So what the bridge would write is held back, per lead, until the lead has been accepted
 * (docs/platforms/kommo.md#incoming-leads). Notes and tasks are separate entities and never wait.
 *
 * The store side is asynchronous (every method returns a promise), like the engine's state port is becoming, so
 * that the SQLite and the PostgreSQL backends can both implement it.
 */
import type { LeadEnrichment, LeadSnapshot } from "../domain/leads.js";

export type { LeadEnrichment, LeadSnapshot };

/** One lead whose enrichment waits for its acceptance. */
export interface PendingLead {
  /** `source:shopId` of the shop whose chat made the lead. */
  shopKey: string;
  leadId: number;
  amojoChatId: string;
  /** The conversation, when known: its orders note (and the sale value) refreshes once the lead is accepted. */
  roomId?: string;
  /** The shop and marketplace tags computed when the chat was delivered (routing.leadTags join at write time). */
  tags: string[];
  /** When it was recorded (ms). */
  since: number;
}

/** Durable list of pending leads (the state file's table pending_lead_enrichment). */
export interface PendingLeadsPort {
  /** Records the lead; a second add of the same (shop, lead) changes nothing. */
  add(lead: PendingLead): Promise<void>;
  /** Every pending lead, oldest first. */
  list(): Promise<PendingLead[]>;
  remove(shopKey: string, leadId: number): Promise<void>;
  count(): Promise<number>;
}

/** Kommo REST calls for incoming leads (src/kommo/incoming-leads.ts), all through the account's 7/s limiter. */
export interface IncomingLeadsPort {
  /** The leads that still exist (declined or deleted ones are missing), up to 250 per call. */
  readLeads(ids: number[]): Promise<LeadSnapshot[]>;
  /** Accepts an incoming lead into the first ordinary stage of its own pipeline; "gone": no longer incoming. */
  accept(lead: LeadSnapshot, userId?: number): Promise<"accepted" | "gone">;
  /** The first ordinary stage of a pipeline; undefined when Kommo has no such pipeline. */
  firstStage(pipelineId: number): Promise<number | undefined>;
  enrich(leadId: number, e: LeadEnrichment): Promise<void>;
}
