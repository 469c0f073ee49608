/**
 * The quota module's arithmetic (days, the replies' reserve, the platform's 45101004) over the real state
 * file's count, with an injected clock, and the config keys that set it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/index.js";
import { isTkError, TkError } from "../../src/errors/index.js";
import { asReplyCall } from "../../src/sources/call-purpose.js";
import { CsQuota, quotaDay } from "../../src/sources/tiktokshop/quota.js";
import { openStore, Pruner, type Store } from "../../src/store/index.js";
import { validRaw } from "../config/fixtures.js";

const HOUR = 3_600_000;
const stores: { store: Store; dir: string }[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) {
    s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

function freshStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-quota-"));
  const store = openStore(join(dir, "state.db"));
  stores.push({ store, dir });
  return store;
}

/** What `fn` throws (undefined when it returns). */
function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** What `p` rejects with (undefined when it resolves). */
async function rejected(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await rejected(p);
  if (err === undefined) return undefined;
  return isTkError(err) ? err.code : String(err);
}

/** A quota of `dailyCallQuota` calls a day (a 0.2 reserve, days from midnight UTC) on a fresh state file, at `clock.now`. */
function quotaAt(now: number, dailyCallQuota = 10) {
  const clock = { now };
  const counts = freshStore().callCounts;
  const q = new CsQuota({ dailyCallQuota, replyReserve: 0.2, dayStartUtc: "00:00" }, counts, () => clock.now);
  return { q, clock, counts };
}

/** Spends the reads' share of a 10-call quota (8 calls) and checks that the next read is refused. */
async function spendReadsShare(q: CsQuota, shopId: string): Promise<void> {
  for (let i = 0; i < 8; i++) await q.take(shopId, "read");
  expect(await codeOf(q.take(shopId, "read"))).toBe("TK_ERR_TIKTOKSHOP_QUOTA_RESERVED");
}

describe("quota days", () => {
  it("start at midnight UTC by default, or at the configured HH:MM (UTC)", () => {
    const t = Date.UTC(2026, 11, 3, 16, 30);
    expect(quotaDay(t)).toEqual({ start: Date.UTC(2026, 11, 3), end: Date.UTC(2026, 11, 4) });
    expect(quotaDay(t, "17:00")).toEqual({
      start: Date.UTC(2026, 11, 2, 17),
      end: Date.UTC(2026, 11, 3, 17),
    });
    expect(quotaDay(Date.UTC(2026, 11, 3, 17), "17:00").start).toBe(Date.UTC(2026, 11, 3, 17));
  });
});

describe("CsQuota", () => {
  it("reads stop at (1 - reserve) of the quota, replies use the rest, and the next day starts from zero", async () => {
    const { q, clock } = quotaAt(Date.UTC(2026, 11, 3, 8));
    await spendReadsShare(q, "s1");
    await q.take("s1", "reply");
    await q.take("s1", "reply");
    expect(q.usage("s1")).toMatchObject({ used: 10, limit: 10, reserved: 2, exhausted: true });
    const err = await rejected(q.take("s1", "reply"));
    expect(err).toBeInstanceOf(TkError);
    expect((err as TkError).code).toBe("TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED");
    expect((err as TkError).details?.retryable).toBe(false); // a reply fails now, not tomorrow
    expect((err as TkError).message).toMatch(
      /daily .* quota \(10 calls\) is used up; it resets at 00:00 UTC \(2026-12-04\)/,
    );
    // Another shop has its own count.
    await q.take("s2", "read");
    // The next day: counting starts again.
    clock.now += 16 * HOUR;
    await q.take("s1", "read");
    expect(q.usage("s1").used).toBe(1);
  });

  it("a read made for a reply (its check for an earlier send) may use the replies' share", async () => {
    const { q } = quotaAt(Date.UTC(2026, 11, 3, 8));
    await spendReadsShare(q, "s1");
    await asReplyCall(() => q.take("s1", "read"));
    expect(q.usage("s1").used).toBe(9);
  });

  it("a 45101004 spends the day whatever the count said; reads are told to retry at the reset", async () => {
    const now = Date.UTC(2026, 11, 3, 20);
    const { q, counts } = quotaAt(now, 10_000);
    await q.take("s1", "read");
    const platform = new TkError("TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED", "quota", {
      details: { platformCode: 45101004, retryable: true },
    });
    const readErr = await q.refused("s1", "read", platform);
    expect(readErr.details).toMatchObject({
      retryable: true,
      retryAfterMs: 4 * HOUR,
      platformCode: 45101004,
    });
    expect(q.usage("s1")).toMatchObject({ used: 1, exhausted: true, readsStopped: true });
    expect(await codeOf(q.take("s1", "reply"))).toBe("TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED");
    // The state file keeps it: a new process (restart) sees the same.
    const again = new CsQuota(q.settings, counts, () => now + HOUR);
    expect(again.usage("s1").exhausted).toBe(true);
  });
});

describe("retention", () => {
  it("forgets call counts of days more than 8 days old, keeps the recent ones", async () => {
    const store = freshStore();
    const shop = { source: "tiktokshop" as const, shopId: "s1" };
    const today = Date.UTC(2026, 11, 3);
    for (const d of [0, 1, 8, 9, 30]) await store.callCounts.add(shop, today - d * 86_400_000, 5, today);
    await new Pruner(store).prune({ now: today + HOUR, days: 30 });
    const kept = [0, 1, 8, 9, 30].filter(
      (d) => store.callCounts.known(shop, today - d * 86_400_000).used > 0,
    );
    expect(kept).toEqual([0, 1]);
  });
});

describe("config keys", () => {
  it("default to 10000 calls, a 0.2 reserve and midnight UTC", () => {
    const app = validateConfig(validRaw(), {}).tiktokshop.apps[0]!;
    expect(app).toMatchObject({ dailyCallQuota: 10_000, replyReserve: 0.2, quotaDayStartUtc: "00:00" });
  });

  it("refuse a bad quota, reserve or day start with the key path", () => {
    for (const bad of [{ dailyCallQuota: 0 }, { replyReserve: 1.5 }, { quotaDayStartUtc: "25:00" }]) {
      const raw = validRaw() as { tiktokshop: { apps: Record<string, unknown>[] } };
      Object.assign(raw.tiktokshop.apps[0]!, bad);
      const err = thrown(() => validateConfig(raw, {})) as TkError;
      const message = String(err.message) + JSON.stringify(err.details ?? {});
      expect(message).toContain(`tiktokshop.apps[0].${Object.keys(bad)[0]}`);
    }
  });
});
