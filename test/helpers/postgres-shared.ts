/**
 * The test run's shared PostgreSQL server. Starting a throwaway cluster (initdb, start, stop) costs 2–3 s of a
 * busy 2-core machine, and nearly every file that uses PostgreSQL only needs an empty database: so the global setup
 * (test/global-setup.ts) starts one server for the run and hands its address to the test files (vitest's
 * provide/inject); each file creates its own databases there. When the file is done, each one no session is left
 * on is dropped; one still in use goes with the server at the end of the run.
 *
 * A shared server cannot be paused, stopped or acted on as a whole (roles, terminating other sessions): tests that
 * do so start their own with startPostgres() or usePostgres({ own: true }).
 */
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { inject } from "vitest";
import { createDatabaseOn, queryOnce, startPostgres, type TestPostgres } from "./postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's shared server, when this machine can run PostgreSQL (see test/global-setup.ts). */
    sharedPostgres: { adminUrl: string; port: number; failure: string } | null;
  }
}

/**
 * A handle on the run's shared server: createDatabase makes a database of the caller's, stop() drops those no
 * session is left on.
 * Where the global setup started none (a run without it), a server of the caller's own.
 */
export async function sharedPostgres(): Promise<TestPostgres> {
  const shared = inject("sharedPostgres");
  if (!shared) return startPostgres();
  const { adminUrl, port } = shared;
  await serverReady(shared);
  const mine: string[] = [];
  const refuse = (what: string) => () => {
    throw new Error(`the shared test PostgreSQL server cannot be ${what}: use usePostgres({ own: true })`);
  };
  return {
    adminUrl,
    port,
    async createDatabase(name, options) {
      const url = await createDatabaseOn(adminUrl, port, name, options);
      mine.push(new URL(url).pathname.slice(1));
      return url;
    },
    pause: refuse("paused"),
    resume: refuse("resumed"),
    async stop() {
      // Only a database nobody is connected to any more is dropped. Forcing the drop would end sessions a test
      // left to close on their own (an idle pool client then raises an uncaught 57P01 in that file); a database
      // left here goes with the server's directory at the end of the run.
      for (const db of mine.splice(0)) {
        const [open] = await queryOnce<{ n: number }>(
          adminUrl,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
          [db],
        );
        if ((open?.n ?? 0) > 0) continue;
        await queryOnce(adminUrl, `DROP DATABASE IF EXISTS "${db}"`).catch(() => undefined);
      }
    },
  };
}

/**
 * Waits until the shared server, started in the background by the global setup, accepts a connection: at most
 * 60 s, and no longer than it takes the setup to record why it could not start.
 */
async function serverReady(shared: { adminUrl: string; failure: string }): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (existsSync(shared.failure))
      throw new Error(
        `the shared test PostgreSQL server did not start: ${readFileSync(shared.failure, "utf8")}`,
      );
    const client = new pg.Client({ connectionString: shared.adminUrl });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`the shared test PostgreSQL server is not accepting connections after 60 s: ${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
