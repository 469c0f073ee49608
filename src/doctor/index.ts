/** doctor: checks as data (types.ts), groups per area (checks/), a concurrent runner and the checklist formatter. */
export { DoctorContext, type DoctorOptions } from "./context.js";
export { formatChecklist, formatResult, formatSummary, useColour } from "./format.js";
export { CHECK_GROUPS } from "./registry.js";
export {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_DEADLINE_MS,
  type DoctorReport,
  type OnResult,
  runChecks,
  runDoctor,
} from "./runner.js";
export type { Check, CheckGroup, CheckReport, CheckStatus, Outcome } from "./types.js";
