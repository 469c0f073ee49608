/**
 * Opens the state where `statePath` (or `--state`) points: an SQLite file for a path, the PostgreSQL store for a
 * `postgres://` or `postgresql://` URL (password from the URL or TOKOKOMMO_STATE_PASSWORD; TLS options as URL
 * parameters, see docs/configuration.md). The PostgreSQL client is loaded only when a URL asks for it.
 *
 * The SQLite branch returns the synchronous Store, which the daemon and the CLI commands still take for every part of
 * the state; the PostgreSQL branch returns the engine store (EngineStore) only, so `serve` cannot run on it yet
 * (docs/configuration.md, "State in PostgreSQL").
 */
import type { PostgresEngineStore, PostgresStoreOptions } from "./postgres/engine-store.js";
import { isPostgresUrl, redactStateUrl } from "./state-location.js";
import { type OpenStoreOptions, openStore, type Store } from "./store.js";

/** `location`: the file's path (SQLite) or the URL with its password hidden (PostgreSQL). */
export type StateBackend =
  | { kind: "sqlite"; location: string; store: Store }
  | { kind: "postgres"; location: string; store: PostgresEngineStore };

export async function openStateBackend(
  statePath: string,
  opts: { sqlite?: OpenStoreOptions; postgres?: PostgresStoreOptions } = {},
): Promise<StateBackend> {
  if (!isPostgresUrl(statePath)) {
    return { kind: "sqlite", location: statePath, store: openStore(statePath, opts.sqlite) };
  }
  const { PostgresEngineStore } = await import("./postgres/engine-store.js");
  const store = await PostgresEngineStore.open(statePath, opts.postgres);
  return { kind: "postgres", location: redactStateUrl(statePath), store };
}
