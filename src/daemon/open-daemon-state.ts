/**
 * Opens the daemon's state where statePath (or --state) points: the embedded SQLite file for a path, the shared
 * PostgreSQL database for a `postgres://` or `postgresql://` URL (docs/configuration.md, "State in PostgreSQL").
 * The PostgreSQL client is loaded only when a URL asks for it.
 */
import { isPostgresUrl } from "../store/state-location.js";
import { type DaemonState, type OpenDaemonStateOptions, openSqliteDaemonState } from "./daemon-state.js";

export async function openDaemonState(statePath: string, o: OpenDaemonStateOptions): Promise<DaemonState> {
  if (!isPostgresUrl(statePath)) return openSqliteDaemonState(statePath, o);
  const { openPostgresDaemonState } = await import("./postgres-daemon-state.js");
  return openPostgresDaemonState(statePath, o);
}
