/**
 * What a Kommo user does with incoming leads, and the pipelines tests set up, as plain functions over the
 * simulator's state (the control API in simulator.ts delegates here).
 */
import {
  addedPipelineId,
  isOrdinaryStage,
  leadPipelineId,
  pipelineOf,
  pipelinesOf,
  stagesOf,
} from "./pipeline-routes.js";
import type { SimState } from "./state.js";
import type { SimIncomingLeadWrite, SimLead } from "./types.js";

export interface SimPipelineIds {
  id: number;
  /** Its incoming stage (`type: 1`). */
  incoming: number;
  /** Its first ordinary stage. */
  firstStage: number;
}

function requireLead(state: SimState, leadId: number): SimLead {
  const lead = state.leads.get(leadId);
  if (!lead) throw new Error(`sim: unknown lead ${leadId}`);
  return lead;
}

/**
 * A manager accepts an incoming lead: it moves to `statusId` (default: the first ordinary stage of its pipeline)
 * and the accepting user (default: the account's current user) becomes responsible.
 */
export function acceptLead(
  state: SimState,
  leadId: number,
  opts: { userId?: number; statusId?: number } = {},
): void {
  const lead = requireLead(state, leadId);
  if (lead.status !== "incoming") throw new Error(`sim: lead ${leadId} is not incoming`);
  if (opts.statusId !== undefined && !isOrdinaryStage(leadPipelineId(lead), opts.statusId)) {
    throw new Error(`sim: stage ${opts.statusId} is not an ordinary stage of the lead's pipeline`);
  }
  lead.status = "open";
  lead.leftIncomingBy = "accept";
  if (opts.statusId !== undefined) lead.statusId = opts.statusId;
  const userId = opts.userId ?? state.accounts.get(lead.accountId)?.currentUserId;
  if (userId !== undefined) lead.responsibleUserId = userId;
}

/** A manager declines an incoming lead: it goes to the trash (no longer listed or readable). */
export function declineLead(state: SimState, leadId: number): void {
  requireLead(state, leadId);
  state.leads.delete(leadId);
}

/** Adds a pipeline (with an incoming stage) to the account; the same model as KommoRoutingControl.addPipeline. */
export function addPipeline(state: SimState, accountId: number, name: string): SimPipelineIds {
  const id = addedPipelineId(accountId, pipelinesOf(state, accountId).length - 1);
  state.pipelines.set(id, { id, accountId, name, isMain: false, isArchive: false, isUnsortedOn: true });
  const p = stagesOf(id);
  return { id: p.id, incoming: p.incoming, firstStage: p.firstStage };
}

/** The account's main pipeline (where incoming leads land without a source). */
export function mainPipeline(accountId: number): SimPipelineIds {
  const p = pipelineOf(accountId);
  return { id: p.id, incoming: p.incoming, firstStage: p.firstStage };
}

export function incomingLeadWrites(state: SimState): SimIncomingLeadWrite[] {
  return state.incomingLeadWrites.map((w) => ({ ...w, fields: [...w.fields] }));
}
