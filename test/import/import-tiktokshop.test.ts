/**
 * `tokokommo import` on TikTok Shop with the built binary: the walk spends only the reads' share of the shop's
 * daily quota, stops with TK_ERR_IMPORT_BUDGET_SPENT when it is gone (the share kept for replies untouched), and
 * the next day's run finishes the job without sending anything twice. --dry-run sends nothing.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { saveConfig } from "../../src/config/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { runCliAsync } from "../helpers/cli.js";
import { type SeededRoom, seedTikTokShop } from "../helpers/seed-history.js";

const BUYERS = ["ani", "budi", "citra", "dodi", "eka", "fajar"];
const DAYS = [25, 8, 1.5];
const QUOTA = 10;
const REPLY_RESERVE = 0.5;

let bed: TikTokShopTestbed;
let rooms: SeededRoom[];

beforeAll(async () => {
  bed = await startTikTokShopTestbed({ mode: "webhook" });
  rooms = seedTikTokShop(bed.tiktokshop, bed.shopId, BUYERS, DAYS);
});

afterAll(async () => {
  await bed?.close();
});

async function importCli(...extra: string[]) {
  const run = await runCliAsync([
    "import",
    "--config",
    bed.configPath,
    "--shop",
    bed.shopId,
    "--json",
    ...extra,
  ]);
  return { ...run, json: run.stdout ? JSON.parse(run.stdout) : undefined };
}

/** The quota day turns: the counts recorded so far belong to yesterday. */
function nextQuotaDay(): void {
  const db = new BetterSqlite3(bed.statePath);
  try {
    db.prepare("UPDATE cs_call_counts SET day_start = day_start - 86400000").run();
  } finally {
    db.close();
  }
}

/** Calls counted for the current quota day. */
function usedToday(): number {
  const db = new BetterSqlite3(bed.statePath, { readonly: true });
  try {
    const today = db
      .prepare(
        "SELECT used FROM cs_call_counts WHERE day_start = (SELECT MAX(day_start) FROM cs_call_counts)",
      )
      .get() as { used: number } | undefined;
    return today?.used ?? 0;
  } finally {
    db.close();
  }
}

it("--dry-run reads and counts, sends nothing", async () => {
  const run = await importCli("--dry-run");
  expect(run.status, run.stderr).toBe(0);
  expect(run.json).toMatchObject({
    source: "tiktokshop",
    dryRun: true,
    conversations: { done: BUYERS.length, total: BUYERS.length },
    messages: { sent: BUYERS.length * DAYS.length * 2, skipped: 0 },
  });
  // TikTok Shop calls are counted against the quota: one listing, one read per conversation at least.
  expect(run.json.calls).toBeGreaterThanOrEqual(1 + BUYERS.length);
  expect(bed.kommo.received(bed.scopeId)).toHaveLength(0);
});

it("stops when the reads' share of the quota is spent, and continues the next day without repeats", async () => {
  saveConfig(bed.configPath, {
    ...bed.config,
    tiktokshop: {
      apps: bed.config.tiktokshop.apps.map((a) => ({
        ...a,
        dailyCallQuota: QUOTA,
        replyReserve: REPLY_RESERVE,
      })),
    },
  });
  nextQuotaDay();
  const stopped = await importCli();
  expect(stopped.status, stopped.stderr).toBe(1);
  expect(stopped.json.error.code).toBe("TK_ERR_IMPORT_BUDGET_SPENT");
  expect(stopped.stderr).toMatch(/Continue tomorrow/);
  const details = stopped.json.error.details;
  expect(details.roomsDone).toBeGreaterThan(0);
  expect(details.roomsDone).toBeLessThan(BUYERS.length);
  // The replies' share is untouched.
  expect(usedToday()).toBeLessThanOrEqual(QUOTA * (1 - REPLY_RESERVE));
  const afterFirstDay = bed.kommo.received(bed.scopeId).length;
  expect(afterFirstDay).toBe(details.messagesSent);

  nextQuotaDay();
  const done = await importCli();
  expect(done.status, done.stderr).toBe(0);
  expect(done.json.conversations).toEqual({ done: BUYERS.length, total: BUYERS.length });
  expect(done.json.messages.sent).toBe(BUYERS.length * DAYS.length * 2 - afterFirstDay);

  const got = bed.kommo.received(bed.scopeId);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(got.length);
  expect(got.every((m) => m.silent)).toBe(true);
  for (const room of rooms) {
    const inChat = got.filter((m) => m.conversationId === `tts:${bed.shopId}:${room.roomId}`);
    expect(inChat.map((m) => m.text)).toEqual(room.texts.map((t) => t.text));
    expect(inChat.map((m) => m.direction)).toEqual(room.texts.map((t) => (t.fromShop ? "out" : "in")));
  }
}, 60_000);
