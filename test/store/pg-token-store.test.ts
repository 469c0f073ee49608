/**
 * PgTokenStore beyond the contract: replicas (each its own store and pool on one database) follow each other's
 * writes by reloading; an older token pair never overwrites a newer one; a reload never takes back a write of the
 * replica's own; a write the database refuses is reported, kept, and written once it can be.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StoredToken } from "../../src/auth/token-store.js";
import { isTkError } from "../../src/errors/index.js";
import type { Sql } from "../../src/store/postgres/sql.js";
import { migratedDatabase, pgTokenStores, recordingLog } from "../helpers/pg-token-stores.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

const server = usePostgres();
const stores = pgTokenStores();
afterEach(() => stores.closeAll());

const pair = (n: number, extra: Partial<StoredToken> = {}): StoredToken => ({
  accessToken: `acc-SECRET-${n}`,
  refreshToken: `ref-SECRET-${n}`,
  expiresAt: 1_700_000_000_000 + n,
  obtainedAt: 1_690_000_000_000 + n,
  ...extra,
});

const storedRefresh = async (url: string, key: string) => {
  const rows = await queryOnce<{ value_json: string }>(url, "SELECT value_json FROM tokens WHERE key = $1", [
    key,
  ]);
  return rows[0] ? (JSON.parse(rows[0].value_json) as StoredToken).refreshToken : undefined;
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection, it resolved");
}

/** SQL whose writes, or the answers of full reloads, can be held back (to order a reload against a write). */
function gatedSql(inner: Sql) {
  let writes: Promise<void> = Promise.resolve();
  let reads: Promise<void> = Promise.resolve();
  let readArrived: () => void = () => {};
  const hold = () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    return { gate, release };
  };
  const sql: Sql = {
    query: async (text, params) => {
      const rows = await inner.query(text, params);
      if (text.startsWith("SELECT key, value_json")) {
        readArrived();
        await reads;
      }
      return rows as never;
    },
    atomic: async (fn) => {
      await writes;
      return inner.atomic(fn);
    },
  };
  return {
    sql,
    holdWrites() {
      const h = hold();
      writes = h.gate;
      return h.release;
    },
    holdReads() {
      const h = hold();
      reads = h.gate;
      const arrived = new Promise<void>((r) => {
        readArrived = r;
      });
      return { release: h.release, arrived };
    },
  };
}

describe("PgTokenStore across replicas", () => {
  it("a replica sees another's saves and deletes after a reload, and by itself every reloadEveryMs", async () => {
    const url = await migratedDatabase(server());
    const a = (await stores.open(url)).store;
    const b = (await stores.open(url)).store;
    const c = (await stores.open(url, { reloadEveryMs: 40 })).store;
    a.save("kommo:acme", pair(1));
    await a.flush();
    expect(b.load("kommo:acme")).toBeUndefined();
    await b.reload();
    expect(b.load("kommo:acme")).toEqual(pair(1));
    await waitFor("the periodic reload", () => c.load("kommo:acme")?.accessToken === "acc-SECRET-1");
    a.delete("kommo:acme");
    await a.flush();
    await b.reloadKey("kommo:acme");
    expect(b.load("kommo:acme")).toBeUndefined();
    await waitFor("the periodic reload of a delete", () => c.keys("kommo:").length === 0);
  });

  it("an older pair never overwrites a newer one: the stale replica's save is skipped and it takes the newer pair", async () => {
    const url = await migratedDatabase(server());
    const log = recordingLog();
    const a = (await stores.open(url)).store;
    a.save("tiktokshop:tts:1", pair(1));
    await a.flush();
    const b = (await stores.open(url, { log })).store;
    a.save("tiktokshop:tts:1", pair(2));
    await a.flush();
    // b's copy still holds pair 1 and saves it with new details (as updateMeta does).
    b.save("tiktokshop:tts:1", { ...pair(1), meta: { shops: ["s1"] } });
    await b.flush();
    expect(await storedRefresh(url, "tiktokshop:tts:1")).toBe("ref-SECRET-2");
    expect(b.load("tiktokshop:tts:1")).toEqual(pair(2));
    expect(log.lines.map((l) => l.level)).toEqual(["warn"]);
    expect(JSON.stringify(log.lines)).not.toMatch(/SECRET/);
    // Details saved on the same pair do go through.
    b.save("tiktokshop:tts:1", { ...pair(2), meta: { shops: ["s1"] } });
    await b.flush();
    await a.reload();
    expect(a.load("tiktokshop:tts:1")?.meta).toEqual({ shops: ["s1"] });
  });

  it("a reload whose rows were read before a write of this replica committed keeps that write", async () => {
    const url = await migratedDatabase(server());
    const opened = await stores.open(url);
    const gated = gatedSql(opened.sql);
    const { PgTokenStore } = await import("../../src/store/postgres/tokens.js");
    const store = await PgTokenStore.open(gated.sql, { reloadEveryMs: 0, log: recordingLog() });
    store.save("kommo:acme", pair(1));
    await store.flush();
    const releaseWrites = gated.holdWrites();
    const reads = gated.holdReads();
    store.save("kommo:acme", pair(2));
    const reloading = store.reload();
    await reads.arrived; // the rows (with pair 1) are read; pair 2 is not written yet
    releaseWrites();
    await store.flush();
    reads.release();
    await reloading;
    expect(store.load("kommo:acme")).toEqual(pair(2));
    await store.close();
  });

  it("reloadKey commits the replica's own writes first, then takes the database's row", async () => {
    const url = await migratedDatabase(server());
    const a = (await stores.open(url)).store;
    const b = (await stores.open(url)).store;
    b.save("kommo:acme", pair(1));
    b.save("kommo:other", pair(5));
    await b.reloadKey("kommo:acme");
    expect(await storedRefresh(url, "kommo:other")).toBe("ref-SECRET-5");
    await a.reload();
    a.save("kommo:acme", pair(2));
    await a.flush();
    await b.reloadKey("kommo:acme");
    expect(b.load("kommo:acme")).toEqual(pair(2));
  });
});

describe("PgTokenStore when the database refuses a write", () => {
  it("is not silent: flush() and close() reject with TK_ERR_STATE_TOKEN_UNSAVED naming the key, logged, copy kept", async () => {
    const url = await migratedDatabase(server());
    const log = recordingLog();
    const { store, pool } = await stores.open(url, { log });
    await pool.end();
    store.save("kommo:acme", pair(1));
    const err = await rejection(store.flush());
    expect(isTkError(err) && err.code).toBe("TK_ERR_STATE_TOKEN_UNSAVED");
    expect((err as Error).message).toContain("kommo:acme");
    expect(JSON.stringify(err)).not.toMatch(/SECRET/);
    expect(log.lines.some((l) => l.level === "error" && l.msg.includes("kommo:acme"))).toBe(true);
    expect(JSON.stringify(log.lines)).not.toMatch(/SECRET/);
    expect(store.load("kommo:acme")).toEqual(pair(1));
    const closing = await rejection(store.close());
    expect(isTkError(closing) && closing.code).toBe("TK_ERR_STATE_TOKEN_UNSAVED");
  });

  it("keeps the write and commits it once the database takes it again (the newest save of the key)", async () => {
    const url = await migratedDatabase(server());
    const { store } = await stores.open(url, { retryBaseMs: 20 });
    await queryOnce(url, "ALTER TABLE tokens RENAME TO tokens_away");
    store.save("kommo:acme", pair(1));
    const err = await rejection(store.flush());
    expect(isTkError(err) && err.code).toBe("TK_ERR_STATE_TOKEN_UNSAVED");
    store.save("kommo:acme", pair(2));
    await queryOnce(url, "ALTER TABLE tokens_away RENAME TO tokens");
    await waitForAsync(
      "the retried write",
      async () => (await storedRefresh(url, "kommo:acme")) === "ref-SECRET-2",
    );
    await store.flush();
  });
});
