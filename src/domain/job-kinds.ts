/**
 * The kinds of outbox job. The state store queues them (and creates the delivery jobs in the same transaction as
 * the message they deliver); the engine owns what each kind does and the payload it carries
 * (bridge/job-kinds.ts maps each kind to its payload type and handler).
 */
export const JOB_KINDS = [
  "sync_room",
  "deliver_to_kommo",
  "deliver_to_marketplace",
  "report_status",
  "enrich_lead",
  "refresh_orders",
] as const;

export type JobKind = (typeof JOB_KINDS)[number];

export const SYNC_ROOM = "sync_room" satisfies JobKind;
export const DELIVER_TO_KOMMO = "deliver_to_kommo" satisfies JobKind;
export const DELIVER_TO_MARKETPLACE = "deliver_to_marketplace" satisfies JobKind;
export const REPORT_STATUS = "report_status" satisfies JobKind;
export const ENRICH_LEAD = "enrich_lead" satisfies JobKind;
export const REFRESH_ORDERS = "refresh_orders" satisfies JobKind;

export function isJobKind(value: string): value is JobKind {
  return (JOB_KINDS as readonly string[]).includes(value);
}
