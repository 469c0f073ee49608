/**
 * Incoming leads over Kommo REST v4, for the rule "never write to a lead while it is incoming"
 * (docs/platforms/kommo.md#incoming-leads): read many leads' stages in one call, accept an incoming lead into the
 * first ordinary stage of its own pipeline, and write what was held back in one PATCH. Every call goes through the
 * REST client, so through the account's shared 7 requests/s limiter. Pipelines' stages are read once per process
 * (stage types do not change; a stage added later is seen after a restart).
 */

import type { LeadEnrichment, LeadSnapshot } from "../domain/leads.js";
import { isTkError } from "../errors/index.js";

type Json = Record<string, unknown>;

/** The REST client's one call (KommoRestClient.request). */
export type RestRequest = (
  method: "GET" | "POST" | "PATCH",
  pathAndQuery: string,
  body?: unknown,
) => Promise<Json | undefined>;

/** Kommo's most entities per request. */
export const LEADS_PER_CALL = 250;
const WON = 142;
const LOST = 143;

interface PipelineStages {
  incoming: number | undefined;
  firstOrdinary: number | undefined;
}

export class IncomingLeadsApi {
  private readonly stages = new Map<number, PipelineStages>();

  constructor(private readonly request: RestRequest) {}

  /**
   * The leads that still exist, up to 250 ids per call. A lead declined or deleted is missing from the answer (it is
   * in the trash), so it is missing from the result.
   */
  async readLeads(ids: number[]): Promise<LeadSnapshot[]> {
    const out: LeadSnapshot[] = [];
    for (let i = 0; i < ids.length; i += LEADS_PER_CALL) {
      const q = new URLSearchParams({ limit: String(LEADS_PER_CALL) });
      for (const id of ids.slice(i, i + LEADS_PER_CALL)) q.append("filter[id][]", String(id));
      const j = await this.request("GET", `/api/v4/leads?${q.toString()}`);
      for (const lead of embedded(j, "leads")) {
        const snap = await this.snapshot(lead);
        if (snap) out.push(snap);
      }
    }
    return out;
  }

  /**
   * Accepts the lead as `userId` (absent: the token's user) into the first ordinary stage of its own pipeline
   * (a stage of another pipeline is not known to be safe). "gone": Kommo no longer lists it as incoming (accepted,
   * declined or linked meanwhile, also by an earlier attempt of ours whose answer was lost).
   */
  async accept(lead: LeadSnapshot, userId?: number): Promise<"accepted" | "gone"> {
    const uid = await this.uidOf(lead);
    if (uid === undefined) return "gone";
    const statusId = (await this.stagesOf(lead.pipelineId)).firstOrdinary;
    try {
      await this.request("POST", `/api/v4/leads/unsorted/${encodeURIComponent(uid)}/accept`, {
        ...(userId !== undefined ? { user_id: userId } : {}),
        ...(statusId !== undefined ? { status_id: statusId } : {}),
      });
      return "accepted";
    } catch (err) {
      if (isTkError(err) && err.code === "TK_ERR_KOMMO_NOT_FOUND") return "gone";
      throw err;
    }
  }

  /** The first ordinary stage of a pipeline (where a moved lead goes); undefined when it has none. */
  async firstStage(pipelineId: number): Promise<number | undefined> {
    return (await this.stagesOf(pipelineId)).firstOrdinary;
  }

  /** One PATCH with tags_to_add (existing tags stay), the responsible user and the stage, as given. */
  async enrich(leadId: number, e: LeadEnrichment): Promise<void> {
    const body: Json = {};
    if (e.tags.length > 0) body.tags_to_add = e.tags.map((name) => ({ name }));
    if (e.responsibleUserId !== undefined) body.responsible_user_id = e.responsibleUserId;
    if (e.pipelineId !== undefined && e.statusId !== undefined) {
      body.pipeline_id = e.pipelineId;
      body.status_id = e.statusId;
    }
    if (Object.keys(body).length === 0) return;
    await this.request("PATCH", `/api/v4/leads/${leadId}`, body);
  }

  /** The incoming-lead uid of a lead: the chats incoming leads of its pipeline, 250 a page. */
  private async uidOf(lead: LeadSnapshot): Promise<string | undefined> {
    for (let page = 1; page <= 40; page++) {
      const q = new URLSearchParams({
        "filter[pipeline_id]": String(lead.pipelineId),
        "filter[category][]": "chats",
        limit: String(LEADS_PER_CALL),
        page: String(page),
      });
      const items = embedded(await this.request("GET", `/api/v4/leads/unsorted?${q.toString()}`), "unsorted");
      const hit = items.find((u) => embedded(u, "leads").some((l) => l.id === lead.id));
      if (hit && typeof hit.uid === "string") return hit.uid;
      if (items.length < LEADS_PER_CALL) return undefined;
    }
    return undefined;
  }

  private async snapshot(lead: Json): Promise<LeadSnapshot | undefined> {
    const { id, pipeline_id: pipelineId, status_id: statusId } = lead;
    if (typeof id !== "number" || typeof pipelineId !== "number" || typeof statusId !== "number")
      return undefined;
    const stages = await this.stagesOf(pipelineId);
    return {
      id,
      pipelineId,
      statusId,
      incoming: statusId === stages.incoming,
      closed: statusId === WON || statusId === LOST,
    };
  }

  private async stagesOf(pipelineId: number): Promise<PipelineStages> {
    const known = this.stages.get(pipelineId);
    if (known) return known;
    let statuses: Json[] = [];
    try {
      statuses = embedded(await this.request("GET", `/api/v4/leads/pipelines/${pipelineId}`), "statuses");
    } catch (err) {
      // No such pipeline (a shop's pipelineId that was deleted): no stages, so nothing is moved there.
      if (!(isTkError(err) && err.code === "TK_ERR_KOMMO_NOT_FOUND")) throw err;
    }
    const ordinary = statuses
      .filter((s) => s.type === 0 && s.id !== WON && s.id !== LOST && typeof s.id === "number")
      .sort((a, b) => (Number(a.sort) || 0) - (Number(b.sort) || 0));
    const incoming = statuses.find((s) => s.type === 1)?.id;
    const stages = {
      incoming: typeof incoming === "number" ? incoming : undefined,
      firstOrdinary: ordinary[0]?.id as number | undefined,
    };
    this.stages.set(pipelineId, stages);
    return stages;
  }
}

function embedded(j: Json | undefined, name: string): Json[] {
  const e = j?._embedded;
  if (!e || typeof e !== "object") return [];
  const list = (e as Json)[name];
  return Array.isArray(list) ? list.filter((x): x is Json => !!x && typeof x === "object") : [];
}
