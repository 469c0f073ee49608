/**
 * A periodic TikTok Shop sweep lists one conversation page per tick: the pages of one walk are spread over the
 * sweep interval (resuming from the page token), so polling calls come evenly through the day instead of as a
 * burst of every page every ~12 minutes. The start-up sweep (the catch-up after downtime) still walks every page
 * at once. Real HTTP to the simulator (limits on), the poller on a manual clock, the quota counting on that clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMetrics } from "../../src/bridge/metrics.js";
import { Poller } from "../../src/bridge/poller.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { type KommoAccountBinding, Topology } from "../../src/bridge/topology.js";
import { CONVERSATION_ORDERS, type ConversationOrder } from "../../src/sim/tiktokshop/index.js";
import { CsQuota } from "../../src/sources/tiktokshop/quota.js";
import { openStore, type Store } from "../../src/store/index.js";
import { ManualTimers } from "../helpers/manual-timers.js";
import { makeFixture, type TtsFixture } from "./harness.js";

const POLL_INTERVAL_MS = 30_000;
const DAY_MS = 86_400_000;
const open: { fixture: TtsFixture; store: Store; dir: string; world: { poller: Poller } }[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const o of open.splice(0)) {
    await o.world.poller.stop();
    await o.fixture.sim.close();
    o.store.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

interface PagedWorld {
  fixture: TtsFixture;
  poller: Poller;
  timers: ManualTimers;
  engineStore: SqliteEngineStore;
  /** The page token of every listing call, in order ("" for a first page). */
  listed: string[];
  errors: unknown[];
  /** Stands in for the syncs of every room: its cursor at its newest message, nothing dirty. */
  syncAll(): Promise<void>;
  /** Moves the simulator's clock up to the manual clock (new messages get the simulated time). */
  syncSimClock(): void;
  /** A restarted daemon: this poller stops, a new one (nothing in memory) runs on the same state. */
  restart(): Promise<void>;
  /** Runs the timers up to `ms` from now, one due timer at a time; returns the listing calls of each tick. */
  ticks(ms: number): Promise<{ at: number; calls: number }[]>;
}

async function pagedWorld(conversations: number, conversationOrder: ConversationOrder = "recent-activity") {
  // Date is faked (only Date: timers and I/O are real) so the simulator's per-second limit moves with the test.
  vi.useFakeTimers({ toFake: ["Date"] });
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-paged-sweep-"));
  const store = openStore(join(dir, "state.db"));
  const timers = new ManualTimers(Date.now());
  const quota = new CsQuota(
    { dailyCallQuota: 10_000, replyReserve: 0.2, dayStartUtc: "00:00" },
    store.callCounts,
    timers.now,
  );
  const fixture = await makeFixture({ conversationOrder }, { quota });
  for (let i = 0; i < conversations; i++)
    fixture.sim.buyerSends(fixture.shopId, { id: `66${i}`, name: `Buyer ${i}` }, `Halo ${i}`);
  const listed: string[] = [];
  // The simulated clock runs faster than real time, while the simulator counts its 50 requests/s per API on Date,
  // faked (see pagedWorld): once a second holds 40 listing calls, the next second begins.
  const sentAt: number[] = [];
  /** Sweep failures (none expected: a failed page would restart the walk). */
  const errors: unknown[] = [];
  const list = fixture.source.client.listConversations.bind(fixture.source.client);
  vi.spyOn(fixture.source.client, "listConversations").mockImplementation((shop, page = {}) => {
    listed.push(page.pageToken ?? "");
    sentAt.push(Date.now());
    return list(shop, page);
  });
  const engineStore = new SqliteEngineStore(store, 3);
  const kommo = { name: "k", scopeId: "scope", channelSecret: "s" } as unknown as KommoAccountBinding;
  const topology = new Topology([
    {
      source: "tiktokshop",
      shopId: fixture.shopId,
      shopName: "Toko",
      app: { source: "tiktokshop", name: "tts", marketplace: fixture.source },
      kommo,
    },
  ]);
  const makePoller = () =>
    new Poller({
      store: engineStore,
      topology,
      metrics: createMetrics(),
      intervalMs: POLL_INTERVAL_MS,
      periodic: true,
      // Everything seeded is new to the bridge: the sweeps mark the rooms (nothing reads them: no job runner).
      initialLookbackMs: DAY_MS,
      notify: () => {},
      onError: (_shop, err) => errors.push(err),
      now: timers.now,
      timers,
    });
  const world = { poller: makePoller() };
  open.push({ fixture, store, dir, world });
  const ref = (roomId: string) => ({ source: "tiktokshop" as const, shopId: fixture.shopId, roomId });
  const syncAll = async () => {
    for (const r of await fixture.source.listRooms(fixture.shopId, 0)) {
      const cursor = { messageId: r.lastMessageId ?? "", time: r.lastMessageAt };
      await engineStore.advanceCursor(ref(r.roomId), cursor, timers.now());
    }
  };
  let simOffset = 0;
  const syncSimClock = () => {
    const behind = timers.now() - (Date.now() + simOffset);
    if (behind <= 0) return;
    fixture.sim.advanceClock(behind);
    simOffset += behind;
  };
  const restart = async () => {
    await world.poller.stop();
    world.poller = makePoller();
    await world.poller.start();
  };
  // A tick's sweep is one local HTTP call: poll for its end every turn of the event loop, not every 20 ms.
  const armed = async (what: string): Promise<number> => {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const at = timers.nextAt();
      if (at !== undefined) return at;
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const ticks = async (ms: number) => {
    const end = timers.now() + ms;
    const out: { at: number; calls: number }[] = [];
    for (;;) {
      // A tick's sweep (real HTTP) ends before its next timer is armed: wait for it, then count.
      const next = await armed("the next sweep armed");
      if (next > end) break;
      if (sentAt.filter((x) => x > Date.now() - 1_000).length >= 40) vi.setSystemTime(Date.now() + 1_000);
      const before = listed.length;
      await timers.advance(next - timers.now());
      await armed("the tick's sweep done");
      out.push({ at: next, calls: listed.length - before });
    }
    await timers.advance(end - timers.now());
    return out;
  };
  return {
    fixture,
    get poller() {
      return world.poller;
    },
    timers,
    engineStore,
    listed,
    errors,
    syncAll,
    syncSimClock,
    restart,
    ticks,
  } satisfies PagedWorld;
}

describe("TikTok Shop periodic sweeps list one page per tick", () => {
  it("500 conversations (25 pages): the start-up sweep walks all pages; then one page per tick, ~29 s apart, within 3,000 calls a day", async () => {
    const w = await pagedWorld(500);
    await w.poller.start();
    // The start-up sweep is the catch-up after downtime: the whole listing at once.
    expect(w.listed).toHaveLength(25);
    expect(w.listed.filter((t) => t === "")).toHaveLength(1);
    w.listed.length = 0;
    const t0 = w.timers.now();
    const ticks = await w.ticks(3600_000);
    expect(ticks.length).toBeGreaterThan(100);
    for (const t of ticks) expect(t.calls).toBe(1);
    // The first tick comes within about one poll interval, not after a whole walk's stretch (720 s).
    expect(ticks[0]!.at - t0).toBeLessThanOrEqual(2 * POLL_INTERVAL_MS);
    // Every walk starts from page 1 and resumes from the token: 25 pages, then page 1 again.
    const firstPages = w.listed.flatMap((t, i) => (t === "" ? [i] : []));
    expect(firstPages.length).toBeGreaterThanOrEqual(4);
    for (let k = 1; k < firstPages.length; k++) expect(firstPages[k]! - firstPages[k - 1]!).toBe(25);
    // Within the polling share: 30 % of 10,000 calls a day.
    expect((w.listed.length * DAY_MS) / 3600_000).toBeLessThanOrEqual(3_000);
    expect(w.errors).toEqual([]);
  }, 60_000);

  it.each(CONVERSATION_ORDERS)(
    "ordered %s: a wake keeps the walk's place; a new message is found within two walks wherever the listing puts its room",
    async (order) => {
      const w = await pagedWorld(60, order);
      await w.poller.start();
      expect(w.listed).toHaveLength(3);
      const ref = (roomId: string) => ({ source: "tiktokshop" as const, shopId: w.fixture.shopId, roomId });
      // The start-up sweep marked every room; stand in for the syncs (cursor at each room's newest message).
      await w.syncAll();
      const rooms = await w.fixture.source.listRooms(w.fixture.shopId, 0);
      const stillDirty: string[] = [];
      for (const r of rooms)
        if ((await w.engineStore.getRoom(ref(r.roomId)))?.dirty !== false) stillDirty.push(r.roomId);
      expect(stillDirty).toEqual([]);
      w.listed.length = 0;
      // Two pages into a walk (pages 1 and 2 listed), a webhook wakes the shop: the next tick lists page 3.
      while (w.listed.length < 2) await w.ticks(5_000);
      w.poller.wake("tiktokshop", w.fixture.shopId);
      const sent = w.fixture.sim.buyerSends(w.fixture.shopId, { id: "660", name: "Buyer 0" }, "lagi");
      const before = w.listed.length;
      while (w.listed.length === before) await w.ticks(1_000);
      expect(w.listed[before]).not.toBe("");
      expect(w.listed.filter((t) => t === "")).toHaveLength(1);
      // Within two walks the room with the new message is marked for a sync (its cursor is behind).
      while (w.listed.filter((t) => t === "").length < 3) await w.ticks(10_000);
      expect((await w.engineStore.getRoom(ref(sent.conversationId)))?.dirty).toBe(true);
      expect(w.errors).toEqual([]);
    },
    60_000,
  );

  it("the shop's last sync stays fresh page by page; a restart mid-walk still finds what only the unfinished walk would have", async () => {
    // Listing ordered oldest-created: the newest conversations are on page 3, the last a walk lists.
    const w = await pagedWorld(60, "oldest-created");
    await w.poller.start();
    await w.syncAll();
    const ref = (roomId: string) => ({ source: "tiktokshop" as const, shopId: w.fixture.shopId, roomId });
    // Idle for 40 min: the walk interval backs off to 10 min, one page every 200 s.
    await w.ticks(40 * 60_000);
    const lastSync = async () => (await w.engineStore.lastSyncSuccess("tiktokshop", w.fixture.shopId)) ?? 0;
    // status and doctor read the last sync: it is the last page's, not a walk's start up to two walks back.
    expect(w.timers.now() - (await lastSync())).toBeLessThanOrEqual(200_000 + 1_000);
    // Right after a walk's last page, a buyer writes in a room on that page; the next walk lists page 1, and the
    // daemon restarts before it reaches page 3.
    const walkEnds = () => w.listed.length > 0 && w.listed.length % 3 === 0;
    while (!walkEnds()) await w.ticks(10_000);
    w.syncSimClock();
    const late = w.fixture.sim.buyerSends(w.fixture.shopId, { id: "6659", name: "Buyer 59" }, "masih ada?");
    const listed = w.listed.length;
    while (w.listed.length === listed) await w.ticks(10_000);
    expect(w.listed.at(-1)).toBe("");
    expect((await w.engineStore.getRoom(ref(late.conversationId)))?.dirty).toBe(false);
    // The restarted daemon's start-up sweep looks back far enough to find it.
    await w.restart();
    expect((await w.engineStore.getRoom(ref(late.conversationId)))?.dirty).toBe(true);
    expect(w.errors).toEqual([]);
  }, 60_000);
});
