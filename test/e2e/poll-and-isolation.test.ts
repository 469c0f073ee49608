/**
 * Poll-only mode delivers without any webhook; and one shop's failures never stall another's. On fake timers
 * (test/helpers/daemon-fake-time.ts): the periodic sweeps of seconds come as soon as the HTTP before them is done.
 * On both state backends (one PostgreSQL server for the file, a database per test).
 */
import { describe, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { blockStateLocation, STATE_BACKENDS } from "../helpers/state-backends.js";

const { fake: time, cleanup } = daemonFakeTimeEachTest();

/** Where the daemon of a test keeps its state (the describe's backend). */
const stateLocation = blockStateLocation();

/** The test's state location, made at the real clock's pace (see BlockStateLocation.ofAtRealPace). */
const stateOf = (bed: { statePath: string }) => stateLocation.ofAtRealPace(bed, time().settleAtRealPace);

async function world(
  o: Parameters<typeof startTestbed>[0],
): Promise<{ bed: Testbed; daemon: RunningDaemon }> {
  const bed = await startTestbed(o);
  cleanup.push(() => bed.close());
  const statePath = await stateOf(bed);
  const daemon = await time().settle(
    startDaemon({ config: bed.config, statePath, port: 0, engine: { baseRetryMs: 50, maxRetryMs: 300 } }),
    "the daemon to start",
  );
  cleanup.push(() => daemon.stop());
  await time().settle(bed.connectDaemon(daemon.url));
  return { bed, daemon };
}

describe.each(STATE_BACKENDS)("poll-only mode and shop isolation, state in $name", (backend) => {
  stateLocation.use(backend);

  describe("poll-only mode", () => {
    it("delivers messages written before start (start-up sweep) and after it (periodic sweep), with no webhook", async () => {
      const bed0 = await startTestbed({
        mode: "poll",
        pollIntervalSeconds: 5,
        tokopedia: { webhookDelivery: false },
      });
      cleanup.push(() => bed0.close());
      const shopId = bed0.shops[0]!.shopId;
      await time().settle(bed0.tokopedia.buyerSends(shopId, "poll-a", "sebelum daemon jalan"));
      const statePath = await stateOf(bed0);
      const daemon = await time().settle(
        startDaemon({ config: bed0.config, statePath, port: 0, engine: { baseRetryMs: 50 } }),
        "the daemon to start",
      );
      cleanup.push(() => daemon.stop());
      const inKommo = (text: string) =>
        bed0.kommo.received(bed0.scopeId).find((m) => m.direction === "in" && m.text === text);
      await time().until("message from before the start", () => inKommo("sebelum daemon jalan"), 5_000);
      await time().settle(bed0.tokopedia.buyerSends(shopId, "poll-a", "sesudah start, kamar lama"));
      await time().settle(bed0.tokopedia.buyerSends(shopId, "poll-b", "sesudah start, kamar baru"));
      await time().until(
        "messages found by a periodic sweep",
        () => inKommo("sesudah start, kamar lama") && inKommo("sesudah start, kamar baru"),
        12_000,
      );
      expect(bed0.tokopedia.deliveries()).toEqual([]);
      expect(bed0.tokopedia.requests().some((r) => /\/messages$/.test(r.path))).toBe(true); // list-messages sweeps
      expect(bed0.kommo.received(bed0.scopeId).filter((m) => m.direction === "in")).toHaveLength(3);
    }, 30_000);
  });

  describe("one shop's failures never stall another's", () => {
    it("a shop unbound from the app (403) fails on its own; the other shop's messages keep flowing", async () => {
      const { bed, daemon } = await world({ mode: "hybrid", shops: 2, pollIntervalSeconds: 5 });
      const [good, broken] = [bed.shops[0]!.shopId, bed.shops[1]!.shopId];
      bed.tokopedia.unbindShop(broken);
      // An unbound shop's chats raise no webhooks for this app; only the sweep sees it, and gets 403.
      for (let i = 0; i < 10; i++) {
        await time().settle(bed.tokopedia.buyerSends(broken, `iso-broken-${i % 3}`, `rusak ${i}`));
        await time().settle(bed.tokopedia.buyerSends(good, `iso-good-${i % 3}`, `lancar ${i}`));
      }
      const texts = () => bed.kommo.received(bed.scopeId).map((m) => m.text);
      await time().until(
        "the healthy shop's messages",
        () => texts().filter((t) => t.startsWith("lancar ")).length === 10,
      );
      // The broken shop is reported, not silently skipped.
      await time().until("broken shop's error recorded", async () =>
        (await daemon.state.listShopStatus()).find(
          (s) => s.shopId === broken && !s.healthy && /NOT_BOUND/.test(s.lastErrorCode ?? ""),
        ),
      );
      const goodStatus = (await daemon.state.listShopStatus()).find((s) => s.shopId === good);
      expect(goodStatus?.healthy).toBe(true);
      expect(texts().filter((t) => t.startsWith("rusak "))).toEqual([]);
      // Once the shop is bound again, the next sweep finds its rooms: nothing it received meanwhile is lost.
      bed.tokopedia.bindShop(broken);
      await time().until(
        "the re-bound shop's messages",
        () => texts().filter((t) => t.startsWith("rusak ")).length === 10,
        12_000,
      );
      await time().until("the re-bound shop healthy again", async () =>
        (await daemon.state.listShopStatus()).find((s) => s.shopId === broken && s.healthy),
      );
      expect(new Set(texts()).size).toBe(texts().length);
    }, 30_000);
  });
});
