/**
 * PostgreSQL ends one of two transactions that lock the same rows in opposite orders (a deadlock: two intake
 * batches, two replicas) and asks for it to be run again: the engine store does, so both commit and nothing is
 * refused. Real server; the two transactions are made to meet in the middle.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RoomUpsert } from "../../src/bridge/store-port.js";
import { PostgresEngineStore } from "../../src/store/postgres/index.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";

const pg = usePostgres();
let url: string;
let store: PostgresEngineStore;

beforeAll(async () => {
  url = await pg().createDatabase();
  store = await PostgresEngineStore.open(url);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

const room = (roomId: string, buyerName: string): RoomUpsert => ({
  source: "tokopedia",
  shopId: "1",
  roomId,
  conversationId: `tkp:1:${roomId}`,
  buyerName,
});

/** Resolves when both sides reached it. */
function meeting(): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const both = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === 2) open();
    return both;
  };
}

it("two transactions locking two rooms in opposite orders both commit: the deadlock's victim runs again", async () => {
  await store.upsertRoom(room("a", "first"), 1);
  await store.upsertRoom(room("b", "first"), 1);
  const meet = meeting();
  let attempts = 0;
  const one = store.transaction(async (tx) => {
    attempts += 1;
    await tx.upsertRoom(room("a", "one"), 2);
    if (attempts === 1) await meet();
    await tx.upsertRoom(room("b", "one"), 2);
  });
  const two = store.transaction(async (tx) => {
    await tx.upsertRoom(room("b", "two"), 3);
    await meet();
    await tx.upsertRoom(room("a", "two"), 3);
  });
  const outcomes = await Promise.allSettled([one, two]);
  expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled"]);
  const rows = await queryOnce<{ room_id: string; buyer_name: string }>(
    url,
    "SELECT room_id, buyer_name FROM rooms ORDER BY room_id",
  );
  // Whichever committed last wrote both rooms: never one room from each (a half-applied transaction).
  const names = new Set(rows.map((r) => r.buyer_name));
  expect(names.size).toBe(1);
}, 60_000);
