/**
 * The engine store contract on SQLite, the embedded default: a fresh state file per test. Without the replica
 * cases: one daemon holds a state file (its lock keeps a second off), so SQLite has no replicas to agree with.
 */
import { join } from "node:path";
import { describe } from "vitest";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { openStore, type Store } from "../../src/store/store.js";
import { runEngineStoreContract } from "./engine-store.contract.js";
import { useTempDir } from "./helpers.js";

describe("SQLite state backend", () => {
  const tmp = useTempDir();
  let n = 0;
  runEngineStoreContract(
    "sqlite",
    async () => {
      n += 1;
      const path = join(tmp.dir(), `state-${n}.db`);
      const opened: Array<{ files: Store; engine: SqliteEngineStore }> = [];
      return {
        async open(opts) {
          const files = openStore(path);
          const engine = new SqliteEngineStore(files, opts?.retryBudget ?? 8);
          opened.push({ files, engine });
          return engine;
        },
        async close() {
          for (const o of opened) {
            await o.engine.close();
            o.files.close();
          }
        },
      };
    },
    { replicas: false },
  );
});
