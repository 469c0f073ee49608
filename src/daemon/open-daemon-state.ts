/**
 * Opens the daemon's state where statePath (or --state) points: the embedded SQLite file for a path, the shared
 * PostgreSQL database for a `postgres://` or `postgresql://` URL (docs/configuration.md, "State in PostgreSQL").
 * The PostgreSQL client is loaded only when a URL asks for it.
 */
import { RETRY_BUDGET } from "../store/backoff.js";
import { openStore } from "../store/index.js";
import { isPostgresUrl } from "../store/state-location.js";
import type { DaemonLog } from "./daemon.js";
import {
  type DaemonState,
  type OpenDaemonStateOptions,
  openSqliteDaemonState,
  sqliteDaemonState,
} from "./daemon-state.js";

export async function openDaemonState(statePath: string, o: OpenDaemonStateOptions): Promise<DaemonState> {
  if (!isPostgresUrl(statePath)) return openSqliteDaemonState(statePath, o);
  const { openPostgresDaemonState } = await import("./postgres-daemon-state.js");
  return openPostgresDaemonState(statePath, o);
}

/** An SQLite write waits this long for the daemon's transaction, as every command beside it does. */
const BESIDE_BUSY_TIMEOUT_MS = 5_000;

/**
 * The same state for a command that works beside the running daemon (`import`): the SQLite file without the
 * daemon's lock (which the daemon holds), or the PostgreSQL database the replicas share. `log` hears the state's own
 * troubles (PostgreSQL: a token write or a call-count read that failed).
 */
export async function openStateBesideDaemon(statePath: string, log?: DaemonLog): Promise<DaemonState> {
  const o = { busyTimeoutMs: BESIDE_BUSY_TIMEOUT_MS, retryBudget: RETRY_BUDGET, ...(log ? { log } : {}) };
  if (!isPostgresUrl(statePath))
    return sqliteDaemonState(openStore(statePath, { busyTimeoutMs: o.busyTimeoutMs }), o);
  const { openPostgresDaemonState } = await import("./postgres-daemon-state.js");
  return openPostgresDaemonState(statePath, o);
}
