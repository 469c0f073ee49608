/**
 * The two places a daemon keeps its state, for end-to-end suites written once and run on both
 * (`describe.each(STATE_BACKENDS)("…: $name", …)`): the embedded SQLite file (the testbed's state.db, the default)
 * and a PostgreSQL database, fresh for each testbed (a copy of one holding the schema, made once per block), on
 * the test run's shared server (test/helpers/postgres-shared.ts), dropped after the describe block when no session
 * is left on it (otherwise it goes with the server at the end of the run). What a testbed stored in its file
 * before the daemon starts (a TikTok Shop seller's tokens and shop ciphers) moves into the database with
 * `state copy`, as an operator moves an install.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { copyState } from "../../src/store/copy/copy-state.js";
import type { DaemonFakeTime } from "./daemon-fake-time.js";
import { migratedDatabase } from "./pg-token-stores.js";
import type { TestPostgres } from "./postgres-server.js";
import { sharedPostgres } from "./postgres-shared.js";

export interface StateBackend {
  name: "sqlite" | "postgres";
  /**
   * Call in the describe block: registers what the backend needs around it (PostgreSQL: its server) and returns
   * the statePath to give the daemon of a testbed (SQLite: the testbed's own file; PostgreSQL: a new database).
   */
  use(): (bed: { statePath: string }) => Promise<string>;
}

export const SQLITE_STATE: StateBackend = {
  name: "sqlite",
  use: () => async (bed) => bed.statePath,
};

export const POSTGRES_STATE: StateBackend = {
  name: "postgres",
  use() {
    let server: TestPostgres | undefined;
    beforeAll(async () => {
      server = await sharedPostgres();
      // Loaded now, on real time: the daemon (first start on a URL) and state copy import them when first needed,
      // which on the daemon's fake time (test/helpers/daemon-fake-time.ts) would let the clock run while they load.
      await Promise.all([
        import("../../src/daemon/postgres-daemon-state.js"),
        import("../../src/store/copy/postgres-side.js"),
        import("../../src/store/copy/sqlite-side.js"),
      ]);
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });
    // A database holding the current schema, which each testbed's database is copied from: CREATE DATABASE …
    // TEMPLATE copies files, where running the migrations again per testbed took about a second of a busy machine.
    let template: Promise<string> | undefined;
    return async (bed) => {
      if (!server)
        throw new Error("POSTGRES_STATE: the server is not started yet (use it inside a hook or test)");
      const from = server;
      template ??= migratedDatabase(from).then((url) => new URL(url).pathname.slice(1));
      const url = await from.createDatabase(undefined, { template: await template });
      if (existsSync(bed.statePath)) await copyState({ from: bed.statePath, to: url });
      return url;
    };
  },
};

/**
 * For a file whose module-level helpers make the state of a test's daemon while the tests of several
 * `describe.each(STATE_BACKENDS)` blocks run: the state location on the backend of the block running now.
 */
export interface BlockStateLocation {
  /** Call in each describe block: registers `backend` (see StateBackend.use) and makes it the one used in it. */
  use(backend: StateBackend): void;
  /** The statePath of `bed` on the current block's backend (outside every block: the testbed's own file). */
  of(bed: { statePath: string }): Promise<string>;
  /**
   * of(), with the daemon's fake time moving at the real clock's pace meanwhile (pass its settleAtRealPace):
   * making a database waits on more than the queries the fake-time loop counts (a connection closing), and on a
   * loaded machine the fake clock would run out its limit meanwhile.
   */
  ofAtRealPace(
    bed: { statePath: string },
    settleAtRealPace: DaemonFakeTime["settleAtRealPace"],
  ): Promise<string>;
}

export function blockStateLocation(): BlockStateLocation {
  const ownFile = async (bed: { statePath: string }) => bed.statePath;
  let current = ownFile;
  const of = (bed: { statePath: string }) => current(bed);
  return {
    use(backend) {
      const ofBackend = backend.use();
      beforeAll(() => {
        current = ofBackend;
      });
      afterAll(() => {
        current = ownFile;
      });
    },
    of,
    ofAtRealPace: (bed, settleAtRealPace) => settleAtRealPace(of(bed), "the state"),
  };
}

/**
 * Both, unless TK_TEST_STATE_BACKENDS names the ones to run (`sqlite`, `postgres` or both, comma-separated): CI's
 * second pass on Node.js 24 checks the runtime, not the backends again, and runs the end-to-end suites on SQLite
 * only (the PostgreSQL-only files still run there). An unknown name is an error, not a silently empty list.
 */
export const STATE_BACKENDS: StateBackend[] = chosenBackends(process.env.TK_TEST_STATE_BACKENDS);

export function chosenBackends(setting: string | undefined): StateBackend[] {
  const all = [SQLITE_STATE, POSTGRES_STATE];
  if (setting === undefined || setting.trim() === "") return all;
  const names = setting.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(`TK_TEST_STATE_BACKENDS: unknown backend ${unknown.join(", ")} (sqlite, postgres)`);
  return all.filter((b) => names.includes(b.name));
}
