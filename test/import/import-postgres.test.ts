/**
 * `tokokommo import` with the built binary on a PostgreSQL statePath (a real throwaway server), on the Tokopedia
 * and Kommo simulators: past chats sent as silent history and recorded in the database the replicas share (a room
 * the bridge already knows sends only what came before it), the Tokopedia calls taken from the budget the replicas
 * share, --dry-run sending nothing, a second run sending nothing again; the URL never printed with its password.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync } from "../helpers/cli.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";
import { DAY_MS, type SeededRoom, seedTokopedia, settableClock } from "../helpers/seed-history.js";

const pg = usePostgres();
const PASSWORD = "pw-import-never-shown-42";
let bed: Testbed;
let rooms: SeededRoom[];
let url: string;
let configPath: string;
let shopId: string;

beforeAll(async () => {
  const clock = settableClock();
  bed = await startTestbed({ tokopedia: { now: clock.now } });
  shopId = bed.shops[0]!.shopId;
  rooms = (await seedTokopedia(bed.tokopedia, clock, [shopId], ["ani", "budi"], [40, 12, 3, 1])).get(shopId)!;
  url = await pg().createDatabase();
  // The replicas have known budi's room for a week: from then on it is live sync's.
  const store = await PostgresEngineStore.open(url, { max: 1 });
  try {
    const budi = rooms.find((r) => r.buyer === "budi")!;
    const ref = { source: "tokopedia" as const, shopId, roomId: budi.roomId };
    await store.upsertRoom(
      { ...ref, conversationId: `tkp:${shopId}:${budi.roomId}` },
      Date.now() - 7 * DAY_MS,
    );
  } finally {
    await store.close();
  }
  // The test server trusts loopback: the password is accepted, and must never be printed.
  const withPassword = url.replace("postgres://postgres@", `postgres://postgres:${PASSWORD}@`);
  const raw = JSON.parse(readFileSync(bed.configPath, "utf8"));
  configPath = join(bed.dir, "pg-config.json");
  writeFileSync(configPath, JSON.stringify({ ...raw, statePath: withPassword }));
}, 60_000);

afterAll(async () => {
  await bed?.close();
});

async function importCli(...extra: string[]) {
  const run = await runCliAsync(["import", "--config", configPath, "--shop", shopId, ...extra]);
  expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  return run;
}

const sentBefore = (room: SeededRoom, daysAgo: number) =>
  room.texts.filter((t) => t.daysAgo <= 30 && t.daysAgo > daysAgo).map((t) => t.text);

it("--dry-run counts what the window holds and sends nothing", async () => {
  const run = await importCli("--dry-run", "--json");
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    shopId,
    dryRun: true,
    conversations: { done: 2, total: 2 },
    messages: { sent: 8, skipped: 4 },
  });
  expect(bed.kommo.received(bed.scopeId)).toHaveLength(0);
  expect(await queryOnce(url, "SELECT 1 FROM import_rooms")).toEqual([]);
}, 60_000);

it("sends the window as silent history, records it in the database, under the replicas' shared budget", async () => {
  const run = await importCli("--json");
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ messages: { sent: 8, skipped: 4 } });
  const got = bed.kommo.received(bed.scopeId);
  expect(got.every((m) => m.silent)).toBe(true);
  for (const room of rooms) {
    const inChat = got.filter((m) => m.conversationId === `tkp:${shopId}:${room.roomId}`).map((m) => m.text);
    expect(inChat).toEqual(sentBefore(room, room.buyer === "budi" ? 7 : 0));
  }
  const stored = await queryOnce<{ n: number }>(
    url,
    "SELECT COUNT(*)::int AS n FROM inbound_messages WHERE state = 'delivered'",
  );
  expect(stored[0]!.n).toBe(8);
  const progress = await queryOnce<{ imported: number; finished_at: string | null }>(
    url,
    "SELECT imported, finished_at FROM import_rooms ORDER BY imported",
  );
  expect(progress.map((p) => p.imported)).toEqual([2, 6]);
  expect(progress.every((p) => p.finished_at !== null)).toBe(true);
  // The Tokopedia calls were granted by the budget every replica takes from.
  const budgets = await queryOnce<{ key: string }>(url, "SELECT key FROM cluster_rate_budgets");
  expect(budgets.some((b) => b.key.startsWith("tokopedia:main:"))).toBe(true);
}, 60_000);

it("a second run (text output) sends nothing again and names no password", async () => {
  const before = bed.kommo.received(bed.scopeId).length;
  const run = await importCli();
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(
    /last 30 days: sent 0 message\(s\) from 2\/2 conversation\(s\) as silent history$/m,
  );
  expect(bed.kommo.received(bed.scopeId)).toHaveLength(before);
}, 60_000);
