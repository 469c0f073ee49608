/**
 * The engine's store alone, for a command that works on the job queue beside the running daemon or replicas
 * (`retry`): the SQLite file without the daemon's lock (the daemon may hold it; each write waits for the file's
 * lock instead), or the PostgreSQL database on a small pool of its own. The state must exist already: a command
 * that finds none says so and creates nothing.
 */
import { existsSync } from "node:fs";
import type { EngineStore } from "../bridge/store-port.js";
import { TkError } from "../errors/index.js";
import { RETRY_BUDGET } from "../store/backoff.js";
import { isPostgresUrl, redactStateUrl } from "../store/state-location.js";

export interface CommandEngineStore {
  store: EngineStore;
  /** The file's path, or the database URL with its password hidden. */
  location: string;
  close(): Promise<void>;
}

/** Connections a command holds: one transaction at a time, plus a spare. */
const COMMAND_POOL_MAX = 2;

/** Opens the state at `statePath` (TK_ERR_STATE_MISSING when there is none yet, with `why` as the reason). */
export async function openCommandEngineStore(statePath: string, why: string): Promise<CommandEngineStore> {
  if (isPostgresUrl(statePath)) return openPostgres(statePath, why);
  if (!existsSync(statePath))
    throw noState(`The state file ${statePath} does not exist: ${why}.`, { path: statePath });
  const [{ openStore }, { SqliteEngineStore }] = await Promise.all([
    import("../store/index.js"),
    import("../bridge/sqlite-engine-store.js"),
  ]);
  const files = openStore(statePath);
  const store = new SqliteEngineStore(files, RETRY_BUDGET);
  return {
    store,
    location: statePath,
    close: async () => {
      try {
        await store.close();
      } finally {
        files.close();
      }
    },
  };
}

async function openPostgres(url: string, why: string): Promise<CommandEngineStore> {
  const [{ openPool }, { inspectDatabase }, { MIGRATIONS }, { PostgresEngineStore }] = await Promise.all([
    import("../store/postgres/connection.js"),
    import("../store/postgres/migrate.js"),
    import("../store/migrations/index.js"),
    import("../store/postgres/engine-store.js"),
  ]);
  const location = redactStateUrl(url);
  // Before the store opens (which would lay the schema down): an empty database is not a state to work on.
  const probe = await openPool(url, { max: 1 });
  try {
    const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
    if ((await inspectDatabase(probe, url, latest)) === 0)
      throw noState(`The state database ${location} holds no tokokommo state: ${why}.`, { url: location });
  } finally {
    await probe.end().catch(() => undefined);
  }
  const store = await PostgresEngineStore.open(url, { max: COMMAND_POOL_MAX });
  return { store, location, close: () => store.close() };
}

function noState(message: string, details: Record<string, string>): TkError {
  return new TkError("TK_ERR_STATE_MISSING", message, {
    fix: "Start the daemon with `tokokommo serve` first (or point --config at the config it runs with).",
    exitCode: 1,
    details,
  });
}
