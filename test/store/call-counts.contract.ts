/**
 * One contract suite for every backend of the TikTok Shop call counts' state port (CallCountsPort): the gate before
 * a call (`take`) adds a call only within the cap and outside a day the platform said was spent, in one atomic step;
 * `known` (what `status`, /metrics and the sweep scheduler read without waiting) follows this store's own writes at
 * once. With `replicas` (PostgreSQL), two stores on one database (two `serve` replicas, two pools) spending one
 * shop's quota at once never pass the cap together, and each one's `known` catches up with the other's calls.
 */
import { describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { type CallCountsPort, CsQuota } from "../../src/sources/tiktokshop/quota.js";
import { waitFor } from "../helpers/wait.js";
import { type PortHarness, usePortHarness } from "./port-harness.js";

export type CallCountsHarness = PortHarness<CallCountsPort>;

const DAY = 86_400_000;
const shop = { source: "tiktokshop" as const, shopId: "7000" };
const today = Date.UTC(2026, 11, 3);
const now = today + 8 * 3_600_000;

/** `count` takes of one call each at once, spread over `stores`; how many went through. */
async function raceTakes(stores: CallCountsPort[], count: number, cap: number): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => stores[i % stores.length]!.take(shop, today, 1, cap, now)),
  );
  return results.filter((r) => r.taken).length;
}

export function runCallCountsContract(
  name: string,
  factory: () => Promise<CallCountsHarness>,
  o: { replicas?: boolean } = {},
): void {
  describe(`call counts port (${name})`, () => {
    const counts = usePortHarness(factory);

    it("take adds a call while the day stays within the cap, then refuses and changes nothing", async () => {
      for (let i = 1; i <= 3; i++)
        expect(await counts.port.take(shop, today, 1, 3, now)).toEqual({
          taken: true,
          count: { used: i, exhaustedUntil: null, sweepPages: null },
        });
      expect(await counts.port.take(shop, today, 1, 3, now)).toEqual({
        taken: false,
        count: { used: 3, exhaustedUntil: null, sweepPages: null },
      });
      // A higher cap (a reply's) still goes through; another shop and the next day count apart.
      expect((await counts.port.take(shop, today, 1, 4, now)).count.used).toBe(4);
      expect((await counts.port.take({ ...shop, shopId: "7001" }, today, 1, 3, now)).count.used).toBe(1);
      expect((await counts.port.take(shop, today + DAY, 1, 3, now + DAY)).count.used).toBe(1);
      expect((await counts.port.get(shop, today)).used).toBe(4);
    });

    it("take refuses more calls than the cap on a fresh day, recording nothing", async () => {
      expect(await counts.port.take(shop, today, 2, 1, now)).toEqual({
        taken: false,
        count: { used: 0, exhaustedUntil: null, sweepPages: null },
      });
      expect(await counts.port.get(shop, today)).toEqual({ used: 0, exhaustedUntil: null, sweepPages: null });
    });

    it("take refuses while the day is marked spent, and goes through once the mark has passed", async () => {
      await counts.port.add(shop, today, 2, now);
      await counts.port.markExhausted(shop, today, today + DAY, now);
      const refused = await counts.port.take(shop, today, 1, 10, now);
      expect(refused).toEqual({
        taken: false,
        count: { used: 2, exhaustedUntil: today + DAY, sweepPages: null },
      });
      expect((await counts.port.take(shop, today, 1, 10, today + DAY)).taken).toBe(true);
    });

    it("add, markExhausted and recordSweepPages keep each other's columns", async () => {
      expect(await counts.port.add(shop, today, 5, now)).toBe(5);
      expect(await counts.port.add(shop, today, 2, now)).toBe(7);
      await counts.port.recordSweepPages(shop, today, 3, now);
      await counts.port.markExhausted(shop, today, today + DAY, now);
      await counts.port.recordSweepPages(shop, today - DAY, 4, now); // a day with no calls gets a row too
      expect(await counts.port.get(shop, today)).toEqual({
        used: 7,
        exhaustedUntil: today + DAY,
        sweepPages: 3,
      });
      expect(await counts.port.get(shop, today - DAY)).toEqual({
        used: 0,
        exhaustedUntil: null,
        sweepPages: 4,
      });
      expect(await counts.port.get(shop, today + DAY)).toEqual({
        used: 0,
        exhaustedUntil: null,
        sweepPages: null,
      });
    });

    it("known follows this store's own writes at once", async () => {
      expect(counts.port.known(shop, today)).toEqual({ used: 0, exhaustedUntil: null, sweepPages: null });
      await counts.port.take(shop, today, 1, 10, now);
      expect(counts.port.known(shop, today).used).toBe(1);
      await counts.port.add(shop, today, 4, now);
      expect(counts.port.known(shop, today).used).toBe(5);
      await counts.port.recordSweepPages(shop, today, 2, now);
      await counts.port.markExhausted(shop, today, today + DAY, now);
      expect(counts.port.known(shop, today)).toEqual({ used: 5, exhaustedUntil: today + DAY, sweepPages: 2 });
    });

    it("takes at once on one store: exactly `cap` go through", async () => {
      expect(await raceTakes([counts.port], 25, 10)).toBe(10);
      expect((await counts.port.get(shop, today)).used).toBe(10);
    });

    if (o.replicas) {
      it("two replicas spending one shop's quota at once: exactly `cap` calls go through", async () => {
        const other = await counts.harness.open();
        expect(await raceTakes([counts.port, other], 60, 25)).toBe(25);
        expect((await other.get(shop, today)).used).toBe(25);
      });

      it("a replica's `known` catches up with the other replica's calls", async () => {
        const other = await counts.harness.open();
        expect(other.known(shop, today).used).toBe(0); // watched from now on
        await raceTakes([counts.port], 7, 100);
        await waitFor("the other replica to see 7 calls", () => other.known(shop, today).used === 7);
      });

      it("two replicas' CsQuota: reads stop at the reads' share, replies at the quota, cluster-wide", async () => {
        const other = await counts.harness.open();
        const settings = { dailyCallQuota: 20, replyReserve: 0.25, dayStartUtc: "00:00" };
        const quotas = [
          new CsQuota(settings, counts.port, () => now),
          new CsQuota(settings, other, () => now),
        ];
        const attempt = async (q: CsQuota, lane: "read" | "reply") =>
          q.take("7000", lane).then(
            () => "ok",
            (err: unknown) => (isTkError(err) ? err.code : String(err)),
          );
        const reads = await Promise.all(
          Array.from({ length: 30 }, (_, i) => attempt(quotas[i % 2]!, "read")),
        );
        expect(reads.filter((r) => r === "ok")).toHaveLength(15);
        expect(new Set(reads.filter((r) => r !== "ok"))).toEqual(
          new Set(["TK_ERR_TIKTOKSHOP_QUOTA_RESERVED"]),
        );
        const replies = await Promise.all(
          Array.from({ length: 10 }, (_, i) => attempt(quotas[i % 2]!, "reply")),
        );
        expect(replies.filter((r) => r === "ok")).toHaveLength(5);
        expect(new Set(replies.filter((r) => r !== "ok"))).toEqual(
          new Set(["TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED"]),
        );
        expect((await counts.port.get(shop, today)).used).toBe(20);
      });
    }
  });
}
