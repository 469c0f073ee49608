/**
 * PostgreSQL for tests: a server of the test run that every file shares (postgres-shared.ts: one database per
 * caller, no initdb per file) or a throwaway server of one's own (postgres-server.ts) for the tests that stop it,
 * pause it or act on the whole cluster.
 */
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
 * server (a database of its own per createDatabase, dropped at the end); `own: true` starts a server for the block
 * alone, for tests that pause or resume it.
 */
export function usePostgres(options: { own?: boolean } = {}): () => TestPostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = options.own ? await startPostgres() : await sharedPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("usePostgres: the server is not started yet (call inside a test)");
    return server;
  };
}
