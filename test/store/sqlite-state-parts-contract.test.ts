/** The state parts contract on SQLite, the embedded default: a fresh state file per test. */
import { join } from "node:path";
import { describe } from "vitest";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { ImportRepo, sqliteImports } from "../../src/store/imports.js";
import { Pruner } from "../../src/store/retention.js";
import { openStore } from "../../src/store/store.js";
import { useTempDir } from "./helpers.js";
import { runStatePartsContract } from "./state-parts.contract.js";

describe("SQLite state parts", () => {
  const tmp = useTempDir();
  let n = 0;
  runStatePartsContract("sqlite", async () => {
    n += 1;
    const files = openStore(join(tmp.dir(), `state-${n}.db`));
    const engine = new SqliteEngineStore(files, 8);
    return {
      engine,
      pendingLeads: files.pendingLeads,
      replyWaits: files.replyWaits,
      shopStatus: { listShopStatus: async () => files.shopStatus.listShopStatus() },
      pruner: new Pruner(files),
      retentionState: files,
      imports: sqliteImports(new ImportRepo(files.db)),
      async query<R>(sql: string, params: unknown[] = []) {
        const stmt = files.db.prepare(sql);
        if (stmt.reader) return stmt.all(...params) as R[];
        stmt.run(...params);
        return [];
      },
      async close() {
        await engine.close();
        files.close();
      },
    };
  });
});
