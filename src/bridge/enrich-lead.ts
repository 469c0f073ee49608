/**
 * The lead-enrichment job (ENRICH_LEAD): the shop's tags, its extra `leadTags`, its responsible user and its
 * pipeline on the Kommo lead of a new chat — but never while the lead is incoming (docs/platforms/kommo.md#incoming-leads).
 *
 * Kommo makes the contact and the incoming lead of a new chat asynchronously, after the first buyer message, so the
 * job can run before there is a lead: it then fails with a retryable TK_ERR_KOMMO_LEAD_NOT_READY and the runner
 * retries it with its usual backoff. Once the lead exists:
 * - still incoming, shop with `autoAccept`: the bridge accepts it (as the shop's responsible user, into the first
 *   ordinary stage of its own pipeline) and enriches it at once;
 * - still incoming otherwise: it is recorded as pending (durably) and the acceptance watch enriches it once a
 *   manager has accepted it;
 * - already out of incoming: enriched at once.
 * Idempotent: a retry (or a restart) reads the lead again, so an accepted lead is never accepted twice.
 */
import { TkError } from "../errors/index.js";
import type { JobOf } from "./job-kinds.js";
import type { IncomingLeadsPort, LeadSnapshot, PendingLead, PendingLeadsPort } from "./pending-leads-port.js";
import { type LeadRouting, shopKey, type Topology } from "./topology.js";

export interface EnrichDeps {
  topology: Topology;
  pendingLeads: PendingLeadsPort;
  now: () => number;
  log?: (level: "info" | "warn", msg: string, details?: Record<string, unknown>) => void;
  /** Told when the job itself enriched the lead (accepted already, or by autoAccept): the sale value may follow. */
  onEnriched?: (lead: PendingLead) => Promise<void>;
}

export async function enrichLeadJob(job: JobOf<"enrich_lead">, deps: EnrichDeps): Promise<void> {
  const p = job.payload;
  const shop = deps.topology.shopByKey(job.shopKey);
  const rest = shop?.kommo.rest;
  if (!shop || !rest?.incoming || !rest.leadOfChat) return; // no REST access (any more): nothing to write with
  const leadId = await rest.leadOfChat(p.amojoChatId);
  if (leadId === undefined) {
    throw new TkError(
      "TK_ERR_KOMMO_LEAD_NOT_READY",
      "Kommo has no lead for this chat yet; tagging it later",
      {
        fix: "Nothing to do: Kommo makes a chat's lead a moment after its first message, and the tags follow.",
        details: { retryable: true, amojoChatId: p.amojoChatId },
      },
    );
  }
  let lead = await readOne(rest.incoming, leadId);
  if (lead?.incoming && shop.routing?.autoAccept) {
    await rest.incoming.accept(lead, shop.routing.responsibleUserId);
    lead = await readOne(rest.incoming, leadId);
  }
  if (!lead) {
    deps.log?.("info", "the chat's lead was declined or deleted before it could be tagged", {
      shop: job.shopKey,
      lead: leadId,
    });
    return;
  }
  if (lead.incoming) {
    const key = shopKey(shop.source, shop.shopId);
    await deps.pendingLeads.add({
      shopKey: key,
      leadId,
      amojoChatId: p.amojoChatId,
      ...(p.roomId ? { roomId: p.roomId } : {}),
      tags: p.tags,
      since: deps.now(),
    });
    return;
  }
  await enrichAccepted(rest.incoming, shop.routing, lead, p.tags);
  await deps.onEnriched?.({
    shopKey: job.shopKey,
    leadId,
    amojoChatId: p.amojoChatId,
    ...(p.roomId ? { roomId: p.roomId } : {}),
    tags: p.tags,
    since: deps.now(),
  });
}

async function readOne(api: IncomingLeadsPort, leadId: number): Promise<LeadSnapshot | undefined> {
  return (await api.readLeads([leadId])).find((l) => l.id === leadId);
}

/**
 * The one PATCH with everything held back from a lead that left incoming: the shop and marketplace tags, the shop's
 * `leadTags`, its responsible user, and — when the shop has a pipeline and the lead sits in another (Kommo made it
 * in the default pipeline) — that pipeline's first ordinary stage. A won or lost lead is not moved. Safe to repeat.
 */
export async function enrichAccepted(
  api: IncomingLeadsPort,
  routing: LeadRouting | undefined,
  lead: LeadSnapshot,
  tags: string[],
): Promise<void> {
  const target = routing?.pipelineId;
  const move = target !== undefined && target !== lead.pipelineId && !lead.closed;
  const statusId = move ? await api.firstStage(target) : undefined;
  await api.enrich(lead.id, {
    tags: [...new Set([...tags, ...(routing?.leadTags ?? [])])],
    ...(routing?.responsibleUserId !== undefined ? { responsibleUserId: routing.responsibleUserId } : {}),
    ...(move && statusId !== undefined ? { pipelineId: target, statusId } : {}),
  });
}
