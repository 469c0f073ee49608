/**
 * A Kommo lead as the bridge sees it when deciding what it may write: where the lead stands, and what was held
 * back while it was incoming (a write to an incoming lead takes it out of incoming). Shared by the engine's port
 * (bridge/pending-leads-port.ts) and the Kommo client that implements it (kommo/incoming-leads.ts).
 */

/** Where a lead stands. */
export interface LeadSnapshot {
  id: number;
  pipelineId: number;
  statusId: number;
  /** In its pipeline's incoming stage (type 1): nothing may be written to it. */
  incoming: boolean;
  /** Won (142) or lost (143). */
  closed: boolean;
}

/** What the bridge held back, written in one PATCH once the lead left incoming. */
export interface LeadEnrichment {
  tags: string[];
  responsibleUserId?: number;
  /** Move to this pipeline's `statusId` (both or neither). */
  pipelineId?: number;
  statusId?: number;
}
