/**
 * Opens the state for reading (`status`, `doctor`) where statePath (or --state) points: the SQLite file read-only,
 * or the PostgreSQL database over read-only sessions. The PostgreSQL client is loaded only when a URL asks for it.
 */

import { isPostgresUrl } from "./state-location.js";
import { type StateReader, sqliteStateReader } from "./state-reader.js";
import { openStore } from "./store.js";

export async function openStateReader(statePath: string, env?: NodeJS.ProcessEnv): Promise<StateReader> {
  if (!isPostgresUrl(statePath)) return sqliteStateReader(openStore(statePath, { readonly: true }));
  const { openPgStateReader } = await import("./postgres/state-reader.js");
  return openPgStateReader(statePath, env);
}
