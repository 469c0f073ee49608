/** The PostgreSQL state backend's public pieces. */
export { PgCallCounts, type PgCallCountsOptions } from "./call-counts.js";
export { PgOrderNotes } from "./order-notes.js";
