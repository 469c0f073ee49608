/** The token store contract on both backends: SQLite (a temp file) and PostgreSQL (a real server, a database each). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/index.js";
import { migratedDatabase, pgTokenStores } from "../helpers/pg-token-stores.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";
import { runTokenStoreContract } from "./token-store.contract.js";

runTokenStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tk-tokens-"));
  const path = join(dir, "state.db");
  const open: Array<() => void> = [];
  return {
    async open() {
      const store = openStore(path);
      open.push(() => store.close());
      return {
        tokens: store.tokens,
        close: async () => {
          open.splice(open.length - 1, 1);
          store.close();
        },
      };
    },
    async writeRaw(key, json) {
      const store = openStore(path);
      try {
        store.db.prepare("INSERT INTO tokens (key, value_json, updated_at) VALUES (?, ?, 0)").run(key, json);
      } finally {
        store.close();
      }
    },
    async dispose() {
      for (const close of open.splice(0)) close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const server = usePostgres();
runTokenStoreContract("postgres", async () => {
  const url = await migratedDatabase(server());
  const stores = pgTokenStores();
  return {
    async open() {
      const { store } = await stores.open(url);
      return { tokens: store, close: () => store.close() };
    },
    async writeRaw(key, json) {
      await queryOnce(url, "INSERT INTO tokens (key, value_json, updated_at) VALUES ($1, $2, 0)", [
        key,
        json,
      ]);
    },
    dispose: () => stores.closeAll(),
  };
});
