/**
 * Connecting to the PostgreSQL state database: which `statePath` values are database URLs, the password (from the
 * URL or TOKOKOMMO_STATE_PASSWORD), TLS (node-postgres reads `sslmode`, `sslrootcert`, `sslcert`, `sslkey` from the
 * URL), how the URL is shown (never with its password) and the pool's settings.
 */
import pg from "pg";
import { TkError } from "../../errors/index.js";

/** The environment variable that holds the database password when the URL carries none. */
export const STATE_PASSWORD_ENV = "TOKOKOMMO_STATE_PASSWORD";

import { redactStateUrl } from "../state-location.js";

export { isPostgresUrl, redactStateUrl } from "../state-location.js";

/** BIGINT columns (times in ms, row ids) read as JS numbers, as the SQLite store returns them; all fit 2^53. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

export interface PoolOptions {
  /** Connections this process may hold (default 10). */
  max?: number;
  env?: NodeJS.ProcessEnv;
  /** Every transaction of the pool's sessions read-only (`status`, `doctor`): the server refuses any write. */
  readOnly?: boolean;
}

/** The pool's settings for a state URL; throws TK_ERR_STATE_UNREACHABLE for a URL that cannot be parsed. */
export function poolConfig(url: string, opts: PoolOptions = {}): pg.PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw databaseUnreachable(url, "the URL cannot be parsed", err);
  }
  const env = opts.env ?? process.env;
  const password = parsed.password === "" ? env[STATE_PASSWORD_ENV] : undefined;
  return {
    connectionString: url,
    ...(password !== undefined && password !== "" ? { password } : {}),
    max: opts.max ?? 10,
    types: TYPES,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // Server-side guard: a statement (or a lock wait) that hangs must not hold its connection forever.
    statement_timeout: 30_000,
    application_name: "tokokommo",
    ...(opts.readOnly ? { options: "-c default_transaction_read_only=on" } : {}),
  };
}

/** Opens a pool and proves the database answers (a round trip), or throws TK_ERR_STATE_UNREACHABLE. */
export async function openPool(url: string, opts: PoolOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool(poolConfig(url, opts));
  // An idle connection the server drops (restart, failover) must not crash the process: the pool replaces it.
  pool.on("error", () => {});
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw databaseUnreachable(url, reasonOf(err), err);
  }
  return pool;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "28P01" || code === "28000") return `login refused (${message})`;
  if (code === "3D000") return `no such database (${message})`;
  return message || String(code ?? "unknown error");
}

export function databaseUnreachable(url: string, reason: string, cause?: unknown): TkError {
  const shown = redactStateUrl(url);
  return new TkError("TK_ERR_STATE_UNREACHABLE", `Cannot use the state database ${shown}: ${reason}.`, {
    fix: `Check the URL in statePath (or --state), that the server is up and reachable from here, the user, the password (in the URL or ${STATE_PASSWORD_ENV}), the database name and the TLS options (sslmode, sslrootcert).`,
    details: { url: shown },
    cause,
  });
}
