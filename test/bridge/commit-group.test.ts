/** Group commit for intake: webhooks of one event-loop turn share a transaction; each answer follows its commit. */
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { CommitGroup, type Transactional } from "../../src/bridge/commit-group.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import type { Store } from "../../src/store/index.js";
import { useTempDir } from "../store/helpers.js";

const tmp = useTempDir();
let store: Store;
let transactions: number;
let tx: Transactional;

beforeEach(() => {
  store = tmp.open();
  store.db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  transactions = 0;
  const engineStore = new SqliteEngineStore(store, 3);
  tx = {
    transaction: (fn) => {
      transactions++;
      return engineStore.transaction(fn);
    },
  };
});

const insert = (v: string) => async () => store.db.prepare("INSERT INTO t (v) VALUES (?)").run(v).changes;

/** What another process (a second connection) sees: only committed rows. */
function committed(): string[] {
  const other = new Database(join(tmp.dir(), "state.db"), { readonly: true });
  try {
    return (other.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v);
  } finally {
    other.close();
  }
}

describe("CommitGroup", () => {
  it("commits the units of one turn in one transaction, and resolves each only after that commit", async () => {
    const group = new CommitGroup(tx);
    const seenAtResolve: string[][] = [];
    const all = ["a", "b", "c", "d"].map((v) =>
      group.run(insert(v)).then((n) => {
        seenAtResolve.push(committed());
        return n;
      }),
    );
    expect(committed()).toEqual([]); // nothing runs before the turn ends
    expect(await Promise.all(all)).toEqual([1, 1, 1, 1]);
    expect(transactions).toBe(1);
    for (const seen of seenAtResolve) expect(seen).toEqual(["a", "b", "c", "d"]);
  });

  it("a failing unit fails alone: the others of its batch are committed, each in its own retry", async () => {
    const group = new CommitGroup(tx);
    const results = await Promise.allSettled([
      group.run(insert("x")),
      group.run(async () => {
        await insert("y")();
        throw new Error("bad webhook");
      }),
      group.run(insert("z")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(committed()).toEqual(["x", "z"]); // the failed unit's own write was rolled back
    expect(transactions).toBe(4); // the batch, then one per unit
  });

  it("splits a long queue into transactions of at most maxBatch units", async () => {
    const group = new CommitGroup(tx, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => group.run(insert(`v${i}`))));
    expect(transactions).toBe(3);
    expect(committed()).toHaveLength(7);
  });
});

describe("CommitGroup when another process holds the write lock", () => {
  it("refuses the whole batch at once: one busy wait, not one more per webhook", async () => {
    // A real lock and a real SQLITE_BUSY, with a short busy timeout on the group's connection.
    store.db.pragma("busy_timeout = 20");
    const locker = new Database(join(tmp.dir(), "state.db"));
    locker.exec("BEGIN IMMEDIATE");
    try {
      const group = new CommitGroup(tx);
      const results = await Promise.allSettled([
        group.run(insert("a")),
        group.run(insert("b")),
        group.run(insert("c")),
      ]);
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect(results.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
        "SQLITE_BUSY",
        "SQLITE_BUSY",
        "SQLITE_BUSY",
      ]);
      expect(transactions).toBe(1);
    } finally {
      locker.exec("ROLLBACK");
      locker.close();
    }
    expect(committed()).toEqual([]);
  });
});
