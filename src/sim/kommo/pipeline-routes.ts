/**
/**
 * The simulator's sales pipelines (docs/platforms/kommo.md#lead-price, #sources): every account has its main
 * pipeline (ids derived from the account, stable across runs) and may get more (KommoSimulator.addPipeline). Each
 * pipeline's incoming stage has `type: 1` (listed only while the pipeline's incoming step is on), the first ordinary
 * stage `type: 0`, then won (142) and lost (143); stage ids derive from the pipeline id. A lead reports
 * `pipeline_id` and `status_id`: its pipeline's incoming stage while it is incoming, else the stage it was put in
 * (the first ordinary stage by default). Served at `GET /api/v4/leads/pipelines` (open to every user) and
 * `/api/v4/leads/pipelines/{id}`.
 */
import { hal, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount, SimLead, SimPipeline } from "./types.js";

export const WON_STAGE = 142;
export const LOST_STAGE = 143;

/** Stage ids of a pipeline: derived from its id. */
export function stagesOf(pipelineId: number) {
  return { id: pipelineId, incoming: pipelineId * 10 + 1, firstStage: pipelineId * 10 + 2 };
}

/** The account's main pipeline: ids derived from the account, stable across runs. */
export function pipelineOf(accountId: number) {
  return stagesOf(7_000_000 + (accountId % 1_000_000));
}

/** Kommo allows at most 50 pipelines per account. */
export const MAX_PIPELINES = 50;

/** The id of the account's `n`-th added pipeline (n from 0): stable across runs, apart from other accounts'. */
export function addedPipelineId(accountId: number, n: number): number {
  return 80_000_000 + (accountId % 1_000_000) * MAX_PIPELINES + n;
}

/** Every pipeline of the account, the main one first. */
export function pipelinesOf(state: SimState, accountId: number): SimPipeline[] {
  const main: SimPipeline = {
    id: pipelineOf(accountId).id,
    accountId,
    name: "Funil de vendas",
    isMain: true,
    isArchive: false,
    isUnsortedOn: true,
  };
  return [main, ...[...state.pipelines.values()].filter((p) => p.accountId === accountId)];
}

export function findPipeline(state: SimState, accountId: number, id: number): SimPipeline | undefined {
  return pipelinesOf(state, accountId).find((p) => p.id === id);
}

/** A pipeline of the account (main or added) with its stage ids, or undefined. */
export function pipelineById(state: SimState, accountId: number, pipelineId: number) {
  const p = findPipeline(state, accountId, pipelineId);
  return p ? { ...stagesOf(p.id), name: p.name } : undefined;
}

/** Whether a stage id is an ordinary (not incoming) stage of the pipeline. */
export function isOrdinaryStage(pipelineId: number, statusId: number): boolean {
  return statusId === stagesOf(pipelineId).firstStage || statusId === WON_STAGE || statusId === LOST_STAGE;
}

/** Whether a stage id is the incoming stage of any pipeline of the account. */
export function isIncomingStage(state: SimState, accountId: number, statusId: number): boolean {
  return pipelinesOf(state, accountId).some((p) => stagesOf(p.id).incoming === statusId);
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

function pipelineView(p: SimPipeline, origin: string): Record<string, unknown> {
  const s = stagesOf(p.id);
  const stage = (id: number, name: string, type: number) => ({ id, name, type, pipeline_id: p.id });
  return {
    id: p.id,
    name: p.name,
    is_main: p.isMain,
    is_unsorted_on: p.isUnsortedOn,
    is_archive: p.isArchive,
    account_id: p.accountId,
    _links: { self: { href: `${origin}/api/v4/leads/pipelines/${p.id}` } },
    _embedded: {
      statuses: [
        ...(p.isUnsortedOn ? [stage(s.incoming, "Incoming leads", 1)] : []),
        stage(s.firstStage, "First contact", 0),
        stage(WON_STAGE, "Closed - won", 0),
        stage(LOST_STAGE, "Closed - lost", 0),
      ],
    },
  };
}

/** GET /api/v4/leads/pipelines: every pipeline of the account (never 204: the main one always exists). */
export function listPipelines(state: SimState, account: SimAccount, origin: string): SimReply {
  const all = pipelinesOf(state, account.id);
  return hal({
    _total_items: all.length,
    _links: { self: { href: `${origin}/api/v4/leads/pipelines` } },
    _embedded: { pipelines: all.map((p) => pipelineView(p, origin)) },
  });
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
  const p = findPipeline(state, account.id, Number(m[1]));
  if (!p) return problem(404, "Not Found", `Cannot GET ${origin}${path}`);
  return hal(pipelineView(p, origin));
}
