/**
 * How the simulated Chats API routes a chat's incoming lead by its source (docs/platforms/kommo.md#sources): a
 * chat carrying the `external_id` of one of the account's sources gets its lead in that source's pipeline. Kommo
 * does not document what an unknown `external_id` does; the simulator treats it like no source at all (the lead
 * lands in the main pipeline), which is also where a source whose pipeline is archived or has its incoming step
 * off sends it.
 */

import { findPipeline } from "./pipeline-routes.js";
import { amojoError, type SimReply } from "./reply.js";
import { sourceByExternalId } from "./source-routes.js";
import type { SimState } from "./state.js";

/** The Chats API takes up to 40 printable ASCII characters (space included) in `source.external_id`. */
const CHATS_EXTERNAL_ID = /^[\x20-\x7e]{1,40}$/;

/** A 400 for a `source` that is not `{external_id: "<1..40 printable ASCII>"}`; undefined when absent or valid. */
export function badSource(source: unknown): SimReply | undefined {
  if (source === undefined) return undefined;
  const ext = (source as Record<string, unknown> | null)?.external_id;
  if (typeof ext === "string" && CHATS_EXTERNAL_ID.test(ext)) return undefined;
  return amojoError(400, "BAD_REQUEST", "source.external_id must be 1..40 printable ASCII characters");
}

/** `{pipelineId}` of the lead of a chat with this source, or {} for the main pipeline. */
export function routedPipeline(
  state: SimState,
  accountId: number,
  externalId: string | undefined,
): { pipelineId?: number } {
  if (externalId === undefined) return {};
  const source = sourceByExternalId(state, accountId, externalId);
  const pipeline = source ? findPipeline(state, accountId, source.pipelineId) : undefined;
  if (!pipeline || pipeline.isArchive || !pipeline.isUnsortedOn) return {};
  return { pipelineId: pipeline.id };
}
