/**
 * The reply-time guard: watches how long each conversation's buyer waits for a reply (config `replyGuard`, per shop)
 * and, past the warning time, puts one task and a tag on the Kommo lead; a reply completes the task and removes the
 * tag (reply-guard-work.ts). Its state lives in the state file (ReplyGuardStore), so a restart forgets nothing; it
 * ticks on a timer with its own injectable clock, and once at start, so conversations that became overdue while the
 * daemon was down are handled at once.
 *
 * A wait starts when a buyer message is delivered to Kommo (at the message's time, or the guard's clock if that is
 * earlier) and ends when a reply to the conversation is delivered: a manager's or Salesbot's reply sent by the
 * bridge, or a shop message read from the marketplace (typed in Seller Center). The bridge's own replies come back
 * as shop messages too; they are recognised as echoes and never delivered again, so they do not count twice (and a
 * reply to a conversation that waits for nothing changes nothing).
 */
import { CsPerformanceFetcher } from "./cs-performance-fetch.js";
import { classifyError } from "./error-policy.js";
import type { BridgeMetrics } from "./metrics.js";
import type { ConversationRef, ReplyGuardStore, ReplyWait } from "./reply-guard-store.js";
import { type GuardWorkDeps, guardAnswered, guardRest, guardWaiting } from "./reply-guard-work.js";
import type { ShopBinding, Topology } from "./topology.js";

/** What the deliveries tell the guard (the ReplyGuard itself; tests may pass another). */
export type ReplyGuardHooks = Pick<ReplyGuard, "buyerWrote" | "replied">;

export const GUARD_TICK_MS = 60_000;
/** Conversations looked at per tick at most (the oldest waits first); the rest wait for the next tick. */
const WORK_PER_TICK = 500;

export interface ReplyGuardOptions {
  store: ReplyGuardStore;
  /**
   * The shops: `shop` for any shop (a wait starts on whichever replica takes the message), `allShops` for those
   * whose waits this process works (with replicas, the shops it holds the lease of: never two tasks for one wait).
   */
  topology: Pick<Topology, "shop" | "allShops">;
  metrics: BridgeMetrics;
  /** The guard's clock (ms); tests and the sandbox move it forward. */
  now?: () => number;
  tickMs?: number;
  /** Conversations looked at per shop and tick at most, default 500. */
  workPerTick?: number;
  log?: (level: "info" | "warn" | "error", msg: string, details?: Record<string, unknown>) => void;
}

export class ReplyGuard {
  readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** Shops already warned about (no REST access), so the warning is logged once. */
  private readonly warned = new Set<string>();
  private readonly performance: CsPerformanceFetcher;

  constructor(private readonly o: ReplyGuardOptions) {
    this.now = o.now ?? Date.now;
    this.performance = new CsPerformanceFetcher({
      store: o.store,
      now: this.now,
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /** Ticks once now (overdue conversations after downtime), then every tickMs. */
  start(): void {
    this.stopped = false;
    this.wake();
    this.timer = setInterval(() => this.wake(), this.o.tickMs ?? GUARD_TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a tick soon; ticks never overlap (a wake-up during one runs another after it). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once the tick running now (if any) and the ones it asked for are over. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.tick().catch((err) => this.failed(undefined, err));
    } while (this.again && !this.stopped);
  }

  /** A buyer message was delivered to Kommo: the conversation waits from `sentAt` (not later than now). */
  async buyerWrote(ref: ConversationRef, m: { sentAt: number; amojoChatId?: string; buyerName?: string }) {
    if (!this.enabled(ref)) return;
    const now = this.now();
    await this.o.store.buyerWrote(
      ref,
      {
        at: Math.min(m.sentAt, now),
        ...(m.amojoChatId ? { amojoChatId: m.amojoChatId } : {}),
        ...(m.buyerName ? { buyerName: m.buyerName } : {}),
      },
      now,
    );
  }

  /** A reply reached the buyer (at `sentAt`, not later than now): the wait ends, its task and tag go. */
  async replied(ref: ConversationRef, sentAt?: number): Promise<void> {
    const now = this.now();
    const ended = await this.o.store.replied(ref, Math.min(sentAt ?? now, now), now);
    if (!ended) return;
    const w = await this.o.store.get(ref);
    if (w && (w.taskState !== "none" || w.tagState !== "off")) this.wake();
  }

  private enabled(ref: ConversationRef): boolean {
    return this.o.topology.shop(ref.source, ref.shopId)?.replyGuard?.enabled === true;
  }

  /**
   * One pass: every conversation with work, per Kommo account in turn (their limiters pace the calls). Each shop's
   * conversations are read on their own, with the shop's own warning time, so old waits of a shop the guard cannot
   * act on (no REST access) or not yet due for their shop never fill the batch and starve another shop's buyer.
   */
  async tick(): Promise<void> {
    const all = this.o.topology.allShops();
    const now = this.now();
    const byAccount = new Map<string, Array<{ w: ReplyWait; shop: ShopBinding }>>();
    for (const shop of all) {
      // With the guard off for a shop, only its answered conversations are looked at (their tasks and tags go).
      const before = shop.replyGuard?.enabled ? now - shop.replyGuard.warnAfterMinutes * 60_000 : -1;
      const canAct = guardRest(shop.kommo.rest) !== undefined;
      const rows = await this.o.store.needingWork(
        before,
        canAct ? (this.o.workPerTick ?? WORK_PER_TICK) : 1,
        {
          source: shop.source,
          shopId: shop.shopId,
        },
      );
      if (rows.length === 0) continue;
      if (!canAct) {
        this.noRest(shop);
        continue;
      }
      const list = byAccount.get(shop.kommo.scopeId) ?? [];
      for (const w of rows) list.push({ w, shop });
      byAccount.set(shop.kommo.scopeId, list);
    }
    await Promise.all([...byAccount.values()].map((list) => this.work(list)));
    const enabled = all.filter((s) => s.replyGuard?.enabled);
    await this.refreshGauges(enabled);
    await this.performance.refresh(enabled);
  }

  private async work(list: Array<{ w: ReplyWait; shop: ShopBinding }>): Promise<void> {
    const deps: GuardWorkDeps = {
      store: this.o.store,
      now: this.now,
      onTaskCreated: (shop) => this.o.metrics.overdueTasks.inc({ source: shop.source, shop: shop.shopId }),
    };
    for (const { w, shop } of list) {
      if (this.stopped) return;
      const rest = guardRest(shop.kommo.rest);
      if (!rest) continue; // the shop's account lost REST access by a reload meanwhile
      try {
        if (w.waitingSince !== undefined) {
          if (shop.replyGuard?.enabled) await guardWaiting(w, shop, rest, deps);
        } else await guardAnswered(w, shop, rest, deps);
      } catch (err) {
        this.failed(w, err);
      }
    }
  }

  private async refreshGauges(shops: ShopBinding[]): Promise<void> {
    const now = this.now();
    for (const s of shops) {
      const { count, oldestSince } = await this.o.store.waitingNow(s.source, s.shopId);
      const labels = { source: s.source, shop: s.shopId };
      this.o.metrics.replyWaiting.set(labels, count);
      this.o.metrics.replyOldestWait.set(labels, oldestSince !== undefined ? (now - oldestSince) / 1000 : 0);
    }
  }

  private noRest(shop: ShopBinding): void {
    const key = `${shop.source}:${shop.shopId}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.log?.("warn", "reply-time guard: this shop's Kommo account has no REST access; no tasks or tags", {
      code: "TK_ERR_REPLY_GUARD_NO_REST",
      source: shop.source,
      shop: shop.shopId,
      fix: "Add REST credentials to the Kommo account in the config (`kommo.accounts[].rest`), or set replyGuard.enabled to false for the shop.",
    });
  }

  private failed(w: ReplyWait | undefined, err: unknown): void {
    const c = classifyError(err);
    this.o.metrics.upstreamErrors.inc({ code: c.code });
    this.o.log?.("warn", "reply-time guard: a Kommo call failed; it is tried again at the next tick", {
      code: c.code,
      ...(w ? { source: w.source, shop: w.shopId, room: w.roomId } : {}),
      error: c.message,
    });
  }
}
