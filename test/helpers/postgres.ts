/**
 * PostgreSQL for tests: a server of the test run that every file shares (postgres-shared.ts: one database per
 * caller, no initdb per file) or a throwaway server of one's own (postgres-server.ts) for the tests that stop it,
 * pause it or act on the whole cluster.
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { startPostgres, type TestPostgres } from "./postgres-server.js";
import { sharedPostgres } from "./postgres-shared.js";

export {
  createDatabaseOn,
  postgresAvailable,
  queryOnce,
  serverUser,
  startPostgres,
  type TestPostgres,
} from "./postgres-server.js";
export { sharedPostgres } from "./postgres-shared.js";

/**
 * Server lifecycle for a describe block: started before its tests, stopped after. By default the run's shared
 * server (a database of its own per createDatabase, dropped after the block when no session is left on it,
 * otherwise with the server at the end of the run); `own: true` starts a server for the block alone, for tests
 * that pause or resume it.
 */
export function usePostgres(options: { own?: boolean } = {}): () => TestPostgres {
  return usePostgresPools(options).server;
}

/** A test server and the pools a block opens on it (ended after its tests, before the server stops). */
export interface PostgresWithPools {
  /** The started server (call inside a test or a later hook). */
  server(): TestPostgres;
  /** A pool on `url`, ended after the block's tests. */
  pool(url: string, max: number): pg.Pool;
  /** The pools opened so far, oldest first. */
  readonly pools: readonly pg.Pool[];
}

/** usePostgres for blocks that open their own pg pools: the pools are ended after the tests, then the server stopped. */
export function usePostgresPools(options: { own?: boolean } = {}): PostgresWithPools {
  let server: TestPostgres | undefined;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = options.own ? await startPostgres() : await sharedPostgres();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await server?.stop();
  });
  return {
    server() {
      if (!server) throw new Error("usePostgres: the server is not started yet (call inside a test)");
      return server;
    },
    pool(url, max) {
      const pool = new pg.Pool({ connectionString: url, max });
      pools.push(pool);
      return pool;
    },
    pools,
  };
}
