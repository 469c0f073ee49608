/**
 * `tokokommo import` end to end with the built binary, on the Tokopedia and Kommo simulators: two shops with
 * 40 days of past chats on both sides, imported over the default 30 days as silent history, in order, with live
 * sync's ids; --dry-run sends nothing; --json's shape; a second run sends nothing again.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync } from "../helpers/cli.js";
import { type SeededRoom, seedTokopedia, settableClock } from "../helpers/seed-history.js";

const DAYS = [40, 25, 12, 3, 1];
const IN_WINDOW = DAYS.filter((d) => d <= 30);
const BUYERS = ["ani", "budi", "citra"];

let bed: Testbed;
let seeded: Map<string, SeededRoom[]>;

beforeAll(async () => {
  const clock = settableClock();
  bed = await startTestbed({ shops: 2, tokopedia: { now: clock.now } });
  const shopIds = bed.shops.map((s) => s.shopId);
  seeded = await seedTokopedia(bed.tokopedia, clock, shopIds, BUYERS, DAYS);
});

afterAll(async () => {
  await bed?.close();
});

async function importCli(shopId: string, ...extra: string[]) {
  const run = await runCliAsync(["import", "--config", bed.configPath, "--shop", shopId, "--json", ...extra]);
  return { ...run, json: run.stdout ? JSON.parse(run.stdout) : undefined };
}

it("--dry-run counts what the window holds and sends nothing", async () => {
  const shopId = bed.shops[0]!.shopId;
  const run = await importCli(shopId, "--dry-run");
  expect(run.status, run.stderr).toBe(0);
  expect(run.json).toEqual({
    shopId,
    source: "tokopedia",
    days: 30,
    dryRun: true,
    conversations: { done: BUYERS.length, total: BUYERS.length },
    messages: { sent: BUYERS.length * IN_WINDOW.length * 2, skipped: 0 },
    calls: expect.any(Number),
    elapsedMs: expect.any(Number),
  });
  expect(run.json.calls).toBeGreaterThanOrEqual(1 + BUYERS.length);
  expect(bed.kommo.received(bed.scopeId)).toHaveLength(0);
});

it("imports 30 days of both shops as silent history, in order, each side as itself, with live sync's msgids", async () => {
  // Passing failures on both sides are waited out: Tokopedia overloaded twice, two of Kommo's answers lost after
  // the message was taken (the repeat is refused as a duplicate, which counts as sent).
  bed.tokopedia.failNext(2, { status: 503 });
  bed.tokopedia.failNext(1, { status: 429 });
  bed.kommo.dropNext(2, { host: "amojo", afterProcessing: true });
  for (const shop of bed.shops) {
    const run = await importCli(shop.shopId);
    expect(run.status, run.stderr).toBe(0);
    expect(run.json.messages).toEqual({ sent: BUYERS.length * IN_WINDOW.length * 2, skipped: 0 });
  }
  const got = bed.kommo.received(bed.scopeId);
  expect(got).toHaveLength(bed.shops.length * BUYERS.length * IN_WINDOW.length * 2);
  expect(got.every((m) => m.silent)).toBe(true);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(got.length);
  for (const shop of bed.shops) {
    for (const room of seeded.get(shop.shopId)!) {
      const conv = `tkp:${shop.shopId}:${room.roomId}`;
      const inChat = got.filter((m) => m.conversationId === conv);
      const expected = room.texts.filter((t) => t.daysAgo <= 30);
      expect(inChat.map((m) => m.text)).toEqual(expected.map((t) => t.text));
      expect(inChat.map((m) => m.direction)).toEqual(expected.map((t) => (t.fromShop ? "out" : "in")));
      for (const m of inChat) expect(m.msgid).toMatch(new RegExp(`^tkp:${shop.shopId}:${room.roomId}:\\d+$`));
      // Kommo keeps each message's own time, oldest first.
      const times = inChat.map((m) => m.timestampMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[0]!).toBeLessThan(Date.now() - 20 * 86_400_000);
    }
  }
  // Silent history makes no incoming lead.
  expect(bed.kommo.leads()).toHaveLength(0);
}, 60_000);

it("a second run sends nothing and skips the finished conversations without reading them", async () => {
  const before = bed.kommo.received(bed.scopeId).length;
  const reads = bed.tokopedia.requests().length;
  const run = await importCli(bed.shops[1]!.shopId);
  expect(run.status, run.stderr).toBe(0);
  expect(run.json.messages.sent).toBe(0);
  expect(run.json.calls).toBe(1);
  expect(bed.kommo.received(bed.scopeId)).toHaveLength(before);
  expect(bed.tokopedia.requests().length - reads).toBeLessThanOrEqual(2);
});

it("--days must be a whole number of days", async () => {
  const run = await importCli(bed.shops[0]!.shopId, "--days", "0");
  expect(run.status).toBe(2);
  expect(run.json.error.code).toBe("TK_ERR_USAGE");
});

it("without --json and a terminal: plain progress lines, then the summary", async () => {
  const run = await runCliAsync(["import", "--config", bed.configPath, "--shop", bed.shops[0]!.shopId]);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).not.toContain("\r");
  expect(run.stdout).toMatch(/^conversations 0\/3, messages sent 0 \(0 already there\), calls 1$/m);
  expect(run.stdout).toMatch(/^conversations 3\/3, /m);
  expect(run.stdout).toMatch(
    /last 30 days: sent 0 message\(s\) from 3\/3 conversation\(s\) as silent history$/m,
  );
});

it("an unknown or missing shop is refused before anything is read", async () => {
  const requests = bed.tokopedia.requests().length;
  const unknown = await importCli("999");
  expect(unknown.status).toBe(1);
  expect(unknown.json.error.code).toBe("TK_ERR_SHOP_NOT_CONFIGURED");
  const missing = await runCliAsync(["import", "--config", bed.configPath]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain("--shop is required");
  expect(bed.tokopedia.requests().length).toBe(requests);
});
