/**
 * The simulator's pipelines (docs/platforms/kommo.md#lead-price): each account has one main sales pipeline, and tests
 * may add more (addPipeline). Each pipeline's incoming stage has `type: 1`, its first ordinary stage `type: 0`, then
 * won (142) and lost (143). A lead reports `pipeline_id` and `status_id`: the incoming stage while it is incoming,
 * else the stage it was put in (the first ordinary stage by default). Served at `GET /api/v4/leads/pipelines/{id}`.
 */
import { hal, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount, SimLead } from "./types.js";

export const WON_STAGE = 142;
export const LOST_STAGE = 143;

/** Stage ids derived from a pipeline id, stable across runs. */
function stagesOf(id: number) {
  return { id, incoming: id * 10 + 1, firstStage: id * 10 + 2 };
}

/** The account's main pipeline (ids derived from the account). */
export function pipelineOf(accountId: number) {
  return stagesOf(7_000_000 + (accountId % 1_000_000));
}

/** A pipeline of the account (main or added), or undefined. */
export function pipelineById(state: SimState, accountId: number, pipelineId: number) {
  if (pipelineOf(accountId).id === pipelineId) return { ...stagesOf(pipelineId), name: "Funil de vendas" };
  const extra = state.extraPipelines.get(pipelineId);
  return extra && extra.accountId === accountId ? { ...stagesOf(pipelineId), name: extra.name } : undefined;
}

/** Whether a stage id is an ordinary (not incoming) stage of the pipeline. */
export function isOrdinaryStage(pipelineId: number, statusId: number): boolean {
  return statusId === stagesOf(pipelineId).firstStage || statusId === WON_STAGE || statusId === LOST_STAGE;
}

/** Whether a stage id is the incoming stage of any pipeline of the account. */
export function isIncomingStage(state: SimState, accountId: number, statusId: number): boolean {
  if (pipelineOf(accountId).incoming === statusId) return true;
  for (const p of state.extraPipelines.values()) {
    if (p.accountId === accountId && stagesOf(p.id).incoming === statusId) return true;
  }
  return false;
}

/** The pipeline a lead sits in. */
export function leadPipelineId(lead: SimLead): number {
  return lead.pipelineId ?? pipelineOf(lead.accountId).id;
}

/** `pipeline_id` and `status_id` of a lead as the REST views show them. */
export function leadStage(lead: SimLead): { pipeline_id: number; status_id: number } {
  const p = stagesOf(leadPipelineId(lead));
  if (lead.status === "incoming") return { pipeline_id: p.id, status_id: p.incoming };
  return { pipeline_id: p.id, status_id: lead.statusId ?? p.firstStage };
}

/** GET /api/v4/leads/pipelines/{id}; undefined when the path is not that. */
export function handlePipelineRoute(
  state: SimState,
  account: SimAccount,
  method: string,
  path: string,
  origin: string,
): SimReply | undefined {
  const m = /^\/api\/v4\/leads\/pipelines\/(\d+)$/.exec(path);
  if (!m || method !== "GET") return undefined;
  const p = pipelineById(state, account.id, Number(m[1]));
  if (!p) return problem(404, "Not Found", `Cannot GET ${origin}${path}`);
  return hal({
    id: p.id,
    name: p.name,
    is_main: p.id === pipelineOf(account.id).id,
    is_unsorted_on: true,
    account_id: account.id,
    _links: { self: { href: `${origin}${path}` } },
    _embedded: {
      statuses: [
        { id: p.incoming, name: "Incoming leads", type: 1, pipeline_id: p.id },
        { id: p.firstStage, name: "First contact", type: 0, pipeline_id: p.id },
        { id: WON_STAGE, name: "Closed - won", type: 0, pipeline_id: p.id },
        { id: LOST_STAGE, name: "Closed - lost", type: 0, pipeline_id: p.id },
      ],
    },
  });
}
