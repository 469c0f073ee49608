/**
 * Sweeps: list each shop's rooms and mark those whose newest message is past the stored cursor as dirty (with a
 * sync job). Runs once at start-up in every mode (catching up whatever arrived while the daemon was down), then
 * periodically in `poll` and `hybrid` modes, when sweep-scheduler.ts says (each shop at its own phase, paced to
 * its app's rate, less often while idle). A source that walks its listing a page at a time (sweep-walk.ts) is
 * swept one page a tick, its walk spread over the interval; the start-up sweep lists every page at once. Each
 * shop is swept on its own: one shop's failure is recorded for `status`/`doctor` and never stops the others.
 *
 * A sweep never ends the loop or the process: whatever it throws (the platform's API down, the state file locked
 * or full, a bug) is reported and the shop is swept again after the interval. A failed sweep commits nothing,
 * and the next one starts from the last successful sweep, so no message falls between the two.
 */

import type { RoomPage, RoomSummary } from "../sources/types.js";
import { classifyError } from "./error-policy.js";
import { markRoomForSync } from "./mark-room.js";
import type { BridgeMetrics } from "./metrics.js";
import type { StateHealth } from "./state-health.js";
import type { EngineStore, SourceRoomRef } from "./store-port.js";
import { sweepFloorMs } from "./sweep-floor.js";
import {
  MAX_IDLE_INTERVAL_MS,
  pacedIntervalMs,
  realTimers,
  type SchedulerTimers,
  SweepScheduler,
} from "./sweep-scheduler.js";
import { pagedListing, sweepTicks, type Walk } from "./sweep-walk.js";
import { type ShopBinding, shopKey, type Topology } from "./topology.js";

export interface PollerOptions {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  intervalMs: number;
  /** Periodic sweeps (poll, hybrid); the start-up sweep always runs. */
  periodic: boolean;
  /** A never-synced shop looks this far back on its first sweep. */
  initialLookbackMs: number;
  notify: () => void;
  now?: () => number;
  /** A sweep failed for a reason other than the state file (reported there instead, see `state`). */
  onError?: (shop: ShopBinding, err: unknown) => void;
  /** Told of every failed and every committed sweep write (readiness, logs, metrics). */
  state?: StateHealth;
  /**
   * Calls per second a shop's app may make per endpoint, shared by its shops (default: the app's
   * `callsPerSecond`); undefined: no such budget. Sweeps are spread and spaced to fit it (sweep-scheduler.ts).
   */
  callsPerSecond?: (shop: ShopBinding) => number | undefined;
  /** A source's further lower bound of a shop's sweep interval (ms), e.g. its share of a daily quota. */
  minIntervalMs?: (shop: ShopBinding) => number | undefined;
  /** Timers of the periodic and catch-up sweeps (tests inject a manual clock). */
  timers?: SchedulerTimers;
  /**
   * Replicas on one database: whether this replica sweeps the shop now (it holds the shop's lease, see
   * src/cluster/shop-leases.ts); a shop it does not hold is skipped, its sweeps run on the replica that does.
   * Absent: every shop is swept here.
   */
  sweepsShop?: (shop: ShopBinding) => boolean;
}

export class Poller {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly now: () => number;
  private readonly lastSweep = new Map<string, number>();
  /** Paged walks in progress, per shop key. */
  private readonly walks = new Map<string, Walk>();
  private catchUpTimer: NodeJS.Timeout | undefined;
  private lastCatchUp = Number.NEGATIVE_INFINITY;
  private readonly timers: SchedulerTimers;
  private scheduler: SweepScheduler<ShopBinding & { key: string; group: string }>;
  private periodicStarted = false;
  /** Start timers of a catch-up's later shops, released at stop. */
  private readonly waiting = new Set<{ handle: unknown; release: () => void }>();

  constructor(private readonly o: PollerOptions) {
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? realTimers;
    this.scheduler = this.newScheduler();
  }

  /** The periodic sweeps of the topology's shops as it is now. */
  private newScheduler(): SweepScheduler<ShopBinding & { key: string; group: string }> {
    const { o } = this;
    const callsPerSecond = o.callsPerSecond ?? ((shop: ShopBinding) => shop.app.callsPerSecond);
    // Each shop has its own timer: a shop whose API hangs until its timeout delays only its own next sweep, never
    // the other shops' (one shared timer waiting for every shop would let the slowest set everyone's pace).
    return new SweepScheduler({
      targets: o.topology.allShops().map((shop) => ({
        ...shop,
        key: shopKey(shop.source, shop.shopId),
        group: `${shop.source}:${shop.app.name}`,
      })),
      baseIntervalMs: o.intervalMs,
      callsPerSecond,
      // A source with a daily call budget (TikTok Shop) stretches a shop's interval to its polling share.
      minIntervalMs:
        o.minIntervalMs ??
        ((shop: ShopBinding) => sweepFloorMs(shop.app.marketplace, shop.shopId, this.now())),
      // A listing walked a page at a time is spread over the interval: one page a tick.
      ticksPerInterval: (shop) => sweepTicks(shop.app.marketplace, shop.shopId),
      sweep: async (shop) => ({ active: (await this.track(this.runSweep(shop, true))) > 0 }),
      timers: this.timers,
    });
  }

  /** Runs the start-up sweep of every shop (awaitable), then schedules each shop's periodic sweeps. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.sweepAll();
    if (this.o.periodic && !this.stopped) {
      this.scheduler.start();
      this.periodicStarted = true;
    }
  }

  /**
   * The topology changed (a config reload): the periodic sweeps follow its shop list from now on, and each added
   * shop gets its start-up sweep at once (awaited). Sweeps already running finish with the binding they had.
   */
  async retarget(added: ShopBinding[]): Promise<void> {
    if (this.stopped) return;
    this.scheduler.stop();
    this.scheduler = this.newScheduler();
    if (this.periodicStarted) this.scheduler.start();
    await Promise.all(added.map((shop) => this.track(this.runSweep(shop))));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.periodicStarted = false;
    this.scheduler.stop();
    for (const w of this.waiting) {
      this.timers.clearTimer(w.handle);
      w.release();
    }
    this.waiting.clear();
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A webhook for the shop arrived: it is active, so an idle shop's backed-off interval snaps back to the paced
   * one and its next sweep comes no later than that.
   */
  wake(source: ShopBinding["source"], shopId: string): void {
    this.scheduler.wake(shopKey(source, shopId));
  }

  /**
   * Shops whose sweep just moved to this replica (it took their lease, src/cluster/shop-leases.ts): each is swept
   * now, once, to catch up on what the replica before it had not listed yet. Never rejects, like every sweep.
   */
  sweepNow(shops: ShopBinding[]): void {
    if (this.stopped) return;
    for (const s of shops) void this.track(this.runSweep(s));
  }

  /** The interval a shop is swept at now (ms), once periodic sweeps run; undefined otherwise. */
  effectiveIntervalMs(source: ShopBinding["source"], shopId: string): number | undefined {
    return this.scheduler.intervalMs(shopKey(source, shopId));
  }

  private delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const w = {
        handle: undefined as unknown,
        release: () => {
          this.waiting.delete(w);
          resolve();
        },
      };
      w.handle = this.timers.setTimer(w.release, ms);
      this.waiting.add(w);
    });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  /**
   * Catch-up sweeps, for `webhook` mode (in `poll` and `hybrid` the periodic sweeps do this): called when the
   * state file starts refusing writes and when it takes them again. Webhooks answered 503 meanwhile may never
   * come again (Tokopedia does not retry them), so every shop is swept: once now, then once per poll interval for
   * as long as writes are refused, and once more after they work again. A sweep is also what notices the state
   * file taking writes again when nothing else writes (no webhooks, no pending jobs), which clears readiness.
   * At most one per poll interval: on a nearly full disk writes may fail and succeed in turns, and a sweep of
   * every shop per turn would be a storm of API calls. Not awaited; never rejects.
   */
  catchUp(): void {
    if (this.o.periodic || this.stopped || this.catchUpTimer) return;
    const wait = Math.min(this.o.intervalMs, Math.max(0, this.lastCatchUp + this.o.intervalMs - this.now()));
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = undefined;
      if (this.stopped) return;
      this.lastCatchUp = this.now();
      void this.sweepAll().then(() => {
        if (this.o.state?.lastFailure) this.catchUp();
      });
    }, wait);
    this.catchUpTimer.unref();
  }

  /**
   * Sweeps every shop once (start-up, catch-up). The shops of an app start one budget slot apart, so the catch-up
   * runs at the app's whole rate and no faster (a queue of them all at once would only wait in the rate gate).
   */
  async sweepAll(): Promise<void> {
    const offsets = this.scheduler.catchUpOffsets();
    await Promise.all(
      this.o.topology.allShops().map(async (s) => {
        await this.delay(offsets.get(shopKey(s.source, s.shopId)) ?? 0);
        if (this.stopped) return;
        await this.track(this.runSweep(s));
      }),
    );
  }

  /**
   * One sweep as the loop runs it: never rejects (see the header); resolves to the rooms it marked. A periodic
   * tick of a paged source lists one page of its walk.
   */
  private async runSweep(shop: ShopBinding, tick = false): Promise<number> {
    if (this.o.sweepsShop && !this.o.sweepsShop(shop)) return 0;
    try {
      return await (tick && pagedListing(shop.app.marketplace) ? this.sweepPage(shop) : this.sweepShop(shop));
    } catch (err) {
      try {
        if (this.o.state?.failed("sweep", err)) return 0;
        this.o.metrics.upstreamErrors.inc({ code: classifyError(err).code });
        this.o.onError?.(shop, err);
      } catch {
        // Reporting failed too (a logger that throws): the next sweep still comes.
      }
      return 0;
    }
  }

  /**
   * Returns the number of rooms marked dirty. Throws when the state file refuses the sweep's writes (the loop,
   * runSweep, reports it); a platform's failure is recorded on the shop instead.
   */
  async sweepShop(shop: ShopBinding): Promise<number> {
    const started = this.now();
    const since = await this.sinceOf(shop, started);
    let rooms: RoomSummary[];
    try {
      rooms = await shop.app.marketplace.listRooms(shop.shopId, since);
    } catch (err) {
      await this.recordListingError(shop, err);
      return 0;
    }
    // A whole listing is a complete walk; a paged walk in progress goes on from where it was.
    return this.markListed(shop, rooms, { since, now: started, walkStartedAt: started });
  }

  /**
   * One page of the shop's paged walk (sweep-walk.ts): the first page starts a walk (its `since` fixed then),
   * each next page resumes from the token; the last one completes it, and the next walk looks back to this one's
   * start. A failed page (the platform's or the state file's) ends the walk: the next tick starts over, from the
   * last complete walk, so nothing falls between.
   */
  private async sweepPage(shop: ShopBinding): Promise<number> {
    const paged = pagedListing(shop.app.marketplace);
    if (!paged) return this.sweepShop(shop);
    const key = shopKey(shop.source, shop.shopId);
    const now = this.now();
    const walk = this.walks.get(key) ?? { startedAt: now, since: await this.sinceOf(shop, now) };
    this.walks.delete(key);
    let page: RoomPage;
    try {
      page = await paged.listRoomsPage(shop.shopId, walk.since, walk.pageToken);
    } catch (err) {
      await this.recordListingError(shop, err);
      return 0;
    }
    const done = !page.nextPageToken;
    const marked = await this.markListed(shop, page.rooms, {
      since: walk.since,
      now,
      ...(done ? { walkStartedAt: walk.startedAt } : {}),
    });
    if (page.nextPageToken && !this.stopped) this.walks.set(key, { ...walk, pageToken: page.nextPageToken });
    return marked;
  }

  /**
   * Where a sweep starting at `started` looks back to. After a restart the persisted last success tells where to
   * catch up from; rooms found then but not yet synced keep their pending sync jobs in the queue, so nothing
   * between the two is lost. The previous sweep is overlapped generously: a message stamped just before it may
   * have become visible only after it. Cursors make re-reading cheap and inserts are unique, so overlap costs
   * nothing.
   */
  private async sinceOf(shop: ShopBinding, started: number): Promise<number> {
    const overlap = Math.max(2 * this.o.intervalMs, 60_000);
    const walkStart = this.lastSweep.get(shopKey(shop.source, shop.shopId));
    if (walkStart !== undefined) return walkStart - overlap;
    const last = await this.o.store.lastSyncSuccess(shop.source, shop.shopId);
    if (last === undefined) return started - this.o.initialLookbackMs;
    // The persisted success is the last page's: with paged walks, the walk that page belonged to and the one
    // before it may not have covered every room since, so look back over two whole walks.
    return last - overlap - (pagedListing(shop.app.marketplace) ? 2 * this.longestWalkMs(shop) : 0);
  }

  /**
   * The longest interval a walk may take: the configured one paced to the app's rate, or the source's floor, or
   * the idle back-off's ceiling, whichever is longest (plus the whole seconds the spread ticks round up to).
   */
  private longestWalkMs(shop: ShopBinding): number {
    const callsPerSecond = (this.o.callsPerSecond ?? ((s: ShopBinding) => s.app.callsPerSecond))(shop);
    const paced = pacedIntervalMs({
      baseMs: this.o.intervalMs,
      shopsSharing: this.o.topology.allShops().filter((s) => s.app === shop.app).length,
      callsPerSecond,
    });
    const floor = sweepFloorMs(shop.app.marketplace, shop.shopId, this.now());
    return (
      Math.max(paced, floor, MAX_IDLE_INTERVAL_MS) + sweepTicks(shop.app.marketplace, shop.shopId) * 1_000
    );
  }

  /** A listing failed: recorded on the shop (a write too: if the state file refuses it, the loop reports that). */
  private async recordListingError(shop: ShopBinding, err: unknown): Promise<void> {
    const c = classifyError(err);
    this.o.metrics.upstreamErrors.inc({ code: c.code });
    this.o.onError?.(shop, err);
    await this.o.store.recordShopError(shop.source, shop.shopId, c.code, c.message, this.now());
  }

  /**
   * Marks the listed rooms whose newest message is past the stored cursor for a sync; returns how many. Every
   * listing records the shop's sync success (what `status` and `doctor` show). With `walkStartedAt` it completed a
   * walk: the next one looks back to that start.
   */
  private async markListed(
    shop: ShopBinding,
    rooms: RoomSummary[],
    at: { since: number; now: number; walkStartedAt?: number },
  ): Promise<number> {
    let marked = 0;
    await this.o.store.transaction(async (tx) => {
      for (const r of rooms) {
        const ref: SourceRoomRef = { source: shop.source, shopId: shop.shopId, roomId: r.roomId };
        const stored = await tx.getRoom(ref);
        // The room's newest message is the one stored last: nothing to read (the listing's order is not relied on).
        if (r.lastMessageId !== undefined && stored?.cursorMessageId === r.lastMessageId) continue;
        if (stored && stored.cursorTime !== undefined && alreadySynced(r.lastMessageAt, stored.cursorTime))
          continue;
        await markRoomForSync(tx, ref, {
          buyer: r.buyer,
          initialCursorTime: Math.min(at.since, r.lastMessageAt - 1),
          now: at.now,
        });
        marked++;
      }
      await tx.recordSyncSuccess(shop.source, shop.shopId, at.now);
    });
    this.o.state?.succeeded();
    if (at.walkStartedAt !== undefined)
      this.lastSweep.set(shopKey(shop.source, shop.shopId), at.walkStartedAt);
    if (marked > 0) this.o.notify();
    return marked;
  }
}

/**
 * Whether a listed room's newest message is already behind the room's cursor. A newer time is new; an older one
 * is not. An equal time is the cursor message itself when times have milliseconds (Tokopedia), but when they are
 * whole seconds (TikTok Shop's create_time) a buyer's second message of the same second looks exactly like it:
 * such a room is read again (one cheap page; inserts are unique) rather than left unsynced until the buyer
 * writes once more, which in poll-only mode could be never.
 */
export function alreadySynced(lastMessageAt: number, cursorTime: number): boolean {
  if (lastMessageAt < cursorTime) return true;
  return lastMessageAt === cursorTime && lastMessageAt % 1000 !== 0;
}
