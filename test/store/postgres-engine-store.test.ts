/** The engine store contract on PostgreSQL: a real server (one throwaway cluster for this file), a database per test. */
import { afterAll, beforeAll, describe } from "vitest";
import type { EngineStore } from "../../src/bridge/store-port.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { sharedPostgres, type TestPostgres } from "../helpers/postgres.js";
import { runEngineStoreContract } from "./engine-store.contract.js";

describe("PostgreSQL state backend", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await sharedPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  runEngineStoreContract("postgres", async () => {
    const url = await server.createDatabase();
    const opened: EngineStore[] = [];
    return {
      async open(opts) {
        const store = await PostgresEngineStore.open(url, { max: 4, ...opts });
        opened.push(store);
        return store;
      },
      async close() {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  });
});
