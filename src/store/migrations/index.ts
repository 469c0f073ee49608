import { m0001Initial } from "./0001-initial.js";
import { m0002WebhookFallbacks } from "./0002-webhook-fallbacks.js";
import { m0003FewerJobIndexes } from "./0003-fewer-job-indexes.js";
import { m0004JobLeaseTokens } from "./0004-job-lease-tokens.js";
import { m0005ReplyPartsAndLeadTags } from "./0005-reply-parts-and-lead-tags.js";
import { m0006CsCallCounts } from "./0006-cs-call-counts.js";
import { m0007ImportProgress } from "./0007-import-progress.js";
import { m0008LeadOrderNotes } from "./0008-lead-order-notes.js";
import { m0009PendingLeadEnrichment } from "./0009-pending-lead-enrichment.js";
import { m0010ReplyGuard } from "./0010-reply-guard.js";
import type { Migration } from "./types.js";

export type { Migration } from "./types.js";

/**
 * Every schema step, in order. APPEND ONLY: once a migration has shipped it is never edited, reordered or removed
 * (files in the field have it recorded as applied and will not run it again); change the schema by appending a new
 * step with the next version. A test checks versions run 1, 2, 3... without gaps. Each step has an SQLite and a
 * PostgreSQL form (types.ts says how to write the second); a test checks both give the same tables and columns.
 */
export const MIGRATIONS: readonly Migration[] = [
  m0001Initial,
  m0002WebhookFallbacks,
  m0003FewerJobIndexes,
  m0004JobLeaseTokens,
  m0005ReplyPartsAndLeadTags,
  m0006CsCallCounts,
  m0007ImportProgress,
  m0008LeadOrderNotes,
  m0009PendingLeadEnrichment,

  m0010ReplyGuard,
];

/** The schema version this build writes; a file recording a higher one is refused (TK_ERR_STATE_TOO_NEW). */
export const LATEST_SCHEMA_VERSION: number =
  MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;
