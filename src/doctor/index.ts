/** doctor: checks as data (types.ts), groups per area (checks/), a runner and a checklist formatter. */
export { DoctorContext, type DoctorOptions } from "./context.js";
export { formatChecklist } from "./format.js";
export { CHECK_GROUPS } from "./registry.js";
export { type DoctorReport, runChecks, runDoctor } from "./runner.js";
export type { Check, CheckGroup, CheckReport, CheckStatus, Outcome } from "./types.js";
