/**
 * An import interrupted and run again, while the daemon syncs live on the same state file: SIGKILL halfway through
 * one shop, Ctrl-C halfway through the other, buyers writing meanwhile (to old conversations and a new one). Every
 * past message in the window and every live one must be in Kommo exactly once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync, startCli } from "../helpers/cli.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { type SeededRoom, seedTokopedia, settableClock } from "../helpers/seed-history.js";
import { waitFor } from "../helpers/wait.js";

// Half a day back is within the daemon's start-up look-back: live sync brings those in itself, before the import.
const DAYS = [20, 10, 5, 2, 0.5];
const BUYERS = ["ani", "budi", "citra", "dodi"];

let bed: Testbed;
let seeded: Map<string, SeededRoom[]>;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  const clock = settableClock();
  bed = await startTestbed({ shops: 2, tokopedia: { now: clock.now } });
  seeded = await seedTokopedia(
    bed.tokopedia,
    clock,
    bed.shops.map((s) => s.shopId),
    BUYERS,
    DAYS,
  );
  // Slow enough that an interruption lands halfway through a shop.
  bed.kommo.latency(20, "amojo");
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

const sentTexts = () => bed.kommo.received(bed.scopeId).map((m) => m.text);
const historyOf = (shopId: string) =>
  seeded
    .get(shopId)!
    .flatMap((r) => r.texts)
    .map((t) => t.text);
const importArgs = (shopId: string) => ["import", "--config", bed.configPath, "--shop", shopId, "--json"];

async function interruptHalfway(shopId: string, signal: "SIGKILL" | "SIGINT") {
  const history = new Set(historyOf(shopId));
  const run = startCli(importArgs(shopId));
  await waitFor(
    "a third of the shop's history in Kommo",
    () => sentTexts().filter((t) => history.has(t)).length >= history.size / 3,
    30_000,
  );
  run.child.kill(signal);
  const out = await run.closed;
  // Halfway: not all of it yet.
  expect(sentTexts().filter((t) => history.has(t)).length).toBeLessThan(history.size);
  return out;
}

it("SIGKILL and Ctrl-C halfway, run again, daemon live meanwhile: everything in Kommo exactly once", async () => {
  const port = await freePort();
  daemon = await spawnDaemon(bed.configPath, port);
  await bed.connectDaemon(daemon.url);
  const [first, second] = bed.shops.map((s) => s.shopId) as [string, string];
  const recent = [...seeded.values()]
    .flat()
    .flatMap((r) => r.texts.filter((t) => t.daysAgo < 1).map((t) => t.text));
  await waitFor("live sync's start-up sweep", () => recent.every((t) => sentTexts().includes(t)), 30_000);

  const live: string[] = [];
  const buyerWrites = async (shopId: string, buyer: string) => {
    const text = `live ${shopId} ${buyer} ${live.length}`;
    live.push(text);
    await bed.tokopedia.buyerSends(shopId, buyer, text, { buyerName: `Buyer ${buyer}` });
  };

  await buyerWrites(first, "ani");
  const killed = await interruptHalfway(first, "SIGKILL");
  expect(killed.signal).toBe("SIGKILL");
  await buyerWrites(first, "budi");
  await buyerWrites(first, "eka");

  const stopped = await interruptHalfway(second, "SIGINT");
  expect(stopped.status, stopped.stderr).toBe(130);
  expect(stopped.stderr).toContain("TK_ERR_IMPORT_INTERRUPTED");
  await buyerWrites(second, "citra");

  for (const shopId of [first, second]) {
    const again = await runCliAsync(importArgs(shopId));
    expect(again.status, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.conversations.done).toBe(report.conversations.total);
  }
  await buyerWrites(second, "dodi");

  const expected = [...historyOf(first), ...historyOf(second), ...live];
  await waitFor(
    "every past and live message in Kommo",
    () => expected.every((t) => sentTexts().includes(t)),
    30_000,
  );
  const got = bed.kommo.received(bed.scopeId);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(got.length);
  const counts = new Map<string, number>();
  for (const t of sentTexts()) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const t of expected) expect(counts.get(t), t).toBe(1);
  expect(got).toHaveLength(expected.length);
  // Nothing was sent twice beyond the one message SIGKILL may have left in flight (sent, not recorded): Ctrl-C lets
  // the message in flight be recorded, and the resumed runs continued after what was recorded.
  const refused = bed.kommo
    .requestLog()
    .filter(
      (r) => r.host === "amojo" && r.method === "POST" && r.status === 400 && !r.path.includes("/chats"),
    );
  expect(refused.length).toBeLessThanOrEqual(1);
  // The buyer's next live message lands in the chat that holds the imported history and makes its lead there.
  const budi = seeded.get(first)!.find((r) => r.buyer === "budi")!;
  const conversation = `tkp:${first}:${budi.roomId}`;
  const chats = bed.kommo.chats(bed.scopeId).filter((c) => c.conversationId === conversation);
  expect(chats).toHaveLength(1);
  expect(chats[0]!.leadId).toBeDefined();
  const inChat = got.filter((m) => m.conversationId === conversation);
  expect(inChat.filter((m) => m.silent).length).toBeGreaterThan(0);
  expect(new Set(inChat.map((m) => m.chatAmojoId))).toEqual(new Set([chats[0]!.amojoId]));
  // The live messages came through the daemon as usual: not silent.
  for (const m of got.filter((x) => x.text.startsWith("live "))) expect(m.silent).toBe(false);
}, 120_000);
