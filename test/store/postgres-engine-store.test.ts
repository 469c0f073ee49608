/** The engine store contract on PostgreSQL: a real server (the test run's shared server), a database per test. */
import { describe } from "vitest";
import type { EngineStore } from "../../src/bridge/store-port.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { usePostgres } from "../helpers/postgres.js";
import { runEngineStoreContract } from "./engine-store.contract.js";

describe("PostgreSQL state backend", () => {
  const server = usePostgres();

  runEngineStoreContract("postgres", async () => {
    const url = await server().createDatabase();
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
