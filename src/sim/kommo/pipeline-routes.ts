/**
 * The simulator's one sales pipeline per account (docs/platforms/kommo.md#lead-price): its incoming stage has
 * `type: 1`, the first working stage `type: 0`, then won (142) and lost (143). A lead reports `pipeline_id` and
 * `status_id`: the incoming stage while it is incoming, the first working stage once it left it. Served at
 * `GET /api/v4/leads/pipelines/{id}`.
 */
import { hal, problem, type SimReply } from "./reply.js";
import type { SimAccount, SimLead } from "./types.js";

/** Ids derived from the account, stable across runs. */
export function pipelineOf(accountId: number) {
  const id = 7_000_000 + (accountId % 1_000_000);
  return { id, incoming: id * 10 + 1, firstStage: id * 10 + 2 };
}

/** `pipeline_id` and `status_id` of a lead as the REST views show them. */
export function leadStage(lead: SimLead): { pipeline_id: number; status_id: number } {
  const p = pipelineOf(lead.accountId);
  return { pipeline_id: p.id, status_id: lead.status === "incoming" ? p.incoming : p.firstStage };
}

/** GET /api/v4/leads/pipelines/{id}; undefined when the path is not that. */
export function handlePipelineRoute(
  account: SimAccount,
  method: string,
  path: string,
  origin: string,
): SimReply | undefined {
  const m = /^\/api\/v4\/leads\/pipelines\/(\d+)$/.exec(path);
  if (!m || method !== "GET") return undefined;
  const p = pipelineOf(account.id);
  if (Number(m[1]) !== p.id) return problem(404, "Not Found", `Cannot GET ${origin}${path}`);
  return hal({
    id: p.id,
    name: "Funil de vendas",
    is_main: true,
    is_unsorted_on: true,
    account_id: account.id,
    _links: { self: { href: `${origin}${path}` } },
    _embedded: {
      statuses: [
        { id: p.incoming, name: "Incoming leads", type: 1, pipeline_id: p.id },
        { id: p.firstStage, name: "First contact", type: 0, pipeline_id: p.id },
        { id: 142, name: "Closed - won", type: 0, pipeline_id: p.id },
        { id: 143, name: "Closed - lost", type: 0, pipeline_id: p.id },
      ],
    },
  });
}
