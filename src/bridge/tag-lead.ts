/**
 * The lead-tagging job (ENRICH_LEAD): puts the shop's tags on the Kommo lead of a chat. Kommo makes the contact
 * and the incoming lead of a new chat asynchronously, after the first buyer message was accepted, so the job can
 * run before there is anything to tag. It then fails with a retryable TK_ERR_KOMMO_LEAD_NOT_READY: the runner
 * retries it with its usual backoff (about a second at first, doubling), so the lead is tagged once it exists
 * rather than never. Each look costs one REST call (two when the contact exists), well inside the 7/s budget.
 * If no lead appears within the retry budget (minutes), the job is dead and visible in `status`.
 */
import { TkError } from "../errors/index.js";
import type { JobOf } from "./job-kinds.js";
import { shopKey, type Topology } from "./topology.js";

export async function tagLead(job: JobOf<"enrich_lead">, topology: Topology): Promise<void> {
  const p = job.payload;
  const shop = topology.allShops().find((s) => s.kommo.rest && job.shopKey === shopKey(s.source, s.shopId));
  const rest = shop?.kommo.rest;
  if (!rest) return; // the shop, or its REST access, left the config: nothing to tag with
  const { leadId } = await rest.tagLeadOfChat(p.amojoChatId, p.tags);
  if (leadId !== undefined) return;
  throw new TkError("TK_ERR_KOMMO_LEAD_NOT_READY", "Kommo has no lead for this chat yet; tagging it later", {
    fix: "Nothing to do: Kommo makes a chat's lead a moment after its first message, and the tags follow.",
    details: { retryable: true, amojoChatId: p.amojoChatId },
  });
}
