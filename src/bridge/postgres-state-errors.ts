/**
 * PostgreSQL's failures that are about the database, not the daemon: the server unreachable, restarting or failing
 * over, out of connections or disk, a lock or statement timeout, a standby that takes no writes. Like SQLite's
 * (state-health.ts) each passes, so the daemon answers 503, counts it, and catches up once writes succeed again.
 *
 * SQLSTATE classes and codes are PostgreSQL's (its "Error Codes" appendix); the node-postgres client adds network
 * errors (ECONNREFUSED …) and two of its own without a code, matched by their fixed message.
 */

/** Connection lost or never made: the server down, restarting, failing over, or the network between. */
const UNREACHABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, or recovery)
  "53300", // too_many_connections
]);
const NETWORK_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);
const CLIENT_MESSAGES = [
  /^Connection terminated/, // the server closed the connection (node-postgres)
  /^timeout exceeded when trying to connect$/, // the pool found no connection in time
  /^Client has encountered a connection error/,
];

/** Waits on other writers: a lock, a deadlock victim, a serialization failure, a statement timeout. */
const BUSY_SQLSTATES = new Set(["55P03", "40P01", "40001", "57014"]);

export type PostgresStateCode =
  | "TK_ERR_STATE_UNREACHABLE"
  | "TK_ERR_STATE_BUSY"
  | "TK_ERR_STATE_FULL"
  | "TK_ERR_STATE_WRITE";

/** The state failure a PostgreSQL (or node-postgres) error is, or undefined for anything else (a bug). */
export function postgresStateCode(err: unknown): PostgresStateCode | undefined {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code !== undefined) {
    if (code.startsWith("08") || UNREACHABLE_SQLSTATES.has(code) || NETWORK_ERRNOS.has(code))
      return "TK_ERR_STATE_UNREACHABLE";
    if (BUSY_SQLSTATES.has(code)) return "TK_ERR_STATE_BUSY";
    if (code === "53100") return "TK_ERR_STATE_FULL"; // disk_full
    // read_only_sql_transaction (a standby after a failover) and the I/O class.
    if (code === "25006" || code.startsWith("58")) return "TK_ERR_STATE_WRITE";
    return undefined;
  }
  const message = typeof e?.message === "string" ? e.message : "";
  return CLIENT_MESSAGES.some((m) => m.test(message)) ? "TK_ERR_STATE_UNREACHABLE" : undefined;
}
