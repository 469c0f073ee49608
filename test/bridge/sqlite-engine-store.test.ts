/**
 * The SQLite backend of the state port: transactions with asynchronous bodies on one better-sqlite3 connection.
 * A call made while another caller's transaction is open must not become part of it (it would be rolled back, or
 * committed, with work it has nothing to do with), and a body that rejects leaves nothing written.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import type { SourceRoomRef } from "../../src/bridge/store-port.js";
import type { Store } from "../../src/store/index.js";
import { gate } from "../helpers/gate.js";
import { useTempDir } from "../store/helpers.js";

const tmp = useTempDir();
let store: Store;
let engineStore: SqliteEngineStore;
const ref: SourceRoomRef = { source: "tokopedia", shopId: "1", roomId: "r1" };

beforeEach(() => {
  store = tmp.open();
  engineStore = new SqliteEngineStore(store, 3);
});

/** What another process sees: committed rows only. */
function committedCount(table: string): number {
  const other = new Database(join(tmp.dir(), "state.db"), { readonly: true });
  try {
    return (other.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    other.close();
  }
}

function job(orderingKey: string) {
  return { kind: "sync_room" as const, orderingKey, shopKey: "tokopedia:1", payload: ref };
}

describe("SqliteEngineStore transactions", () => {
  it("a call made while another caller's transaction is open is not rolled back with it", async () => {
    const g = gate();
    const inBody = gate();
    const doomed = engineStore.transaction(async (tx) => {
      await tx.enqueue(job("sync:doomed"), Date.now());
      inBody.open();
      await g.wait; // other code runs now, between the body's awaits
      throw new Error("the body fails: roll back");
    });
    await inBody.wait;
    // Outside any transaction, while the doomed one is open: each call is atomic on its own.
    const other = engineStore.enqueue(job("sync:other"), Date.now());
    const seen = engineStore.seenOnce("tokopedia", "notification-1", Date.now());
    const other2 = engineStore.transaction((tx) => tx.enqueue(job("sync:other2"), Date.now()));
    g.open();
    await expect(doomed).rejects.toThrow("the body fails");
    expect(typeof (await other)).toBe("number");
    expect(await seen).toBe(true);
    await other2;
    const keys = (
      store.db.prepare("SELECT ordering_key AS k FROM jobs ORDER BY id").all() as { k: string }[]
    ).map((r) => r.k);
    expect(keys).toEqual(["sync:other", "sync:other2"]);
    expect(committedCount("jobs")).toBe(2);
    expect(committedCount("webhook_seen")).toBe(1);
  });

  it("a call made while a transaction is open waits for its commit, and then sees what it wrote", async () => {
    const g = gate();
    const inBody = gate();
    const writing = engineStore.transaction(async (tx) => {
      await tx.upsertRoom({ ...ref, conversationId: "c1", buyerId: "b1", buyerName: "Ani" }, 1_000);
      inBody.open();
      await g.wait;
      await tx.markDirty(ref, 2_000);
    });
    await inBody.wait;
    let read: { dirty: boolean } | undefined;
    const reading = engineStore.getRoom(ref).then((r) => {
      read = r;
    });
    await new Promise((r) => setImmediate(r));
    expect(read).toBeUndefined(); // still waiting: the transaction is open
    g.open();
    await writing;
    await reading;
    expect(read?.dirty).toBe(true);
  });

  it("a body that rejects leaves nothing written, and its handle refuses calls once it is over", async () => {
    let kept: Parameters<Parameters<SqliteEngineStore["transaction"]>[0]>[0] | undefined;
    const failing = engineStore.transaction(async (tx) => {
      kept = tx;
      await tx.upsertRoom({ ...ref, conversationId: "c1", buyerId: "b1", buyerName: "Ani" }, 1_000);
      await tx.markDirty(ref, 1_000);
      await tx.insertInbound(
        {
          ...ref,
          platformMessageId: "m1",
          kommoMsgId: "k1",
          sender: "buyer",
          contentJson: JSON.stringify({ content: { kind: "text", text: "halo" } }),
          sentAt: 1_000,
        },
        { orderingKey: "c1", shopKey: "tokopedia:1" },
        1_000,
      );
      await tx.addFallback(ref, { messageId: "m1" } as never, 1_000);
      await tx.recordSyncSuccess("tokopedia", "1", 1_000);
      throw new Error("refused");
    });
    await expect(failing).rejects.toThrow("refused");
    for (const table of ["rooms", "inbound_messages", "jobs", "webhook_fallbacks", "shop_status"])
      expect([table, committedCount(table)]).toEqual([table, 0]);
    expect(await engineStore.getRoom(ref)).toBeUndefined();
    await expect(kept!.markDirty(ref, 2_000)).rejects.toThrow("is over");
    expect(committedCount("rooms")).toBe(0);
    // The store goes on: the next transaction commits.
    await engineStore.transaction((tx) => tx.markDirty(ref, 3_000));
    expect(committedCount("rooms")).toBe(1);
  });
});
