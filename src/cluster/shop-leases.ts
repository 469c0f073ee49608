/**
 * A replica's membership of the cluster: its heartbeat, and the leases of the shops it polls. Every `intervalMs`
 * (default 5 s) `tick` writes the heartbeat, renews the leases held, and balances: each replica holds about its
 * fair share of the shops (shops ÷ replicas alive, rounded up). A replica over its share gives the extra leases
 * up; one under it takes free or expired ones. A replica that dies stops renewing: its leases expire after
 * `leaseTtlMs` (default 30 s) and the others take its shops over. A clean stop gives every lease up and removes
 * the heartbeat row at once.
 *
 * The poller asks `holds(shopKey)` before each sweep (PollerOptions.sweepsShop). A lease is trusted only until its
 * expiry on this replica's clock: if renewing fails (the database unreachable), sweeps stop here before another
 * replica may take the shop. Sweeps are idempotent, so the rare overlap a clock step allows costs API calls, not
 * data.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Coordinator, ReplicaIdentity } from "./port.js";
import { REPLICA_TIMEOUT_MS } from "./port.js";

export interface ShopLeasesOptions {
  coordinator: Coordinator;
  /** The keys of the shops to share out (the topology's, re-read at every tick: reloads change it). */
  shopKeys: () => string[];
  identity?: ReplicaIdentity;
  now?: () => number;
  intervalMs?: number;
  leaseTtlMs?: number;
  replicaTimeoutMs?: number;
  /** Shops whose lease this replica just took: sweep them now (a takeover's catch-up). */
  onAcquired?: (shopKeys: string[]) => void;
  /** A tick failed (the database unreachable); the next one tries again. */
  onError?: (err: unknown) => void;
}

export const LEASE_TTL_MS = 30_000;
export const TICK_INTERVAL_MS = 5_000;

/** A new replica's identity: a random id; host and pid for humans. */
export function newReplicaIdentity(now = Date.now()): ReplicaIdentity {
  return { id: randomBytes(8).toString("hex"), host: hostname(), pid: process.pid, startedAt: now };
}

const LEASE_PREFIX = "shop:";
const leaseName = (shopKey: string) => `${LEASE_PREFIX}${shopKey}`;

/** The shop key a lease name stands for; undefined for a lease that is not a shop's. */
export function shopOfLease(name: string): string | undefined {
  return name.startsWith(LEASE_PREFIX) ? name.slice(LEASE_PREFIX.length) : undefined;
}

export class ShopLeases {
  readonly identity: ReplicaIdentity;
  readonly coordinator: Coordinator;
  /** Shop key → the expiry of our lease on it. */
  private readonly held = new Map<string, number>();
  private readonly now: () => number;
  private readonly ttl: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: ShopLeasesOptions) {
    this.coordinator = o.coordinator;
    this.now = o.now ?? Date.now;
    this.identity = o.identity ?? newReplicaIdentity(this.now());
    this.ttl = o.leaseTtlMs ?? LEASE_TTL_MS;
  }

  /** Whether this replica sweeps the shop now: it holds a lease not yet expired on its own clock. */
  holds(shopKey: string): boolean {
    return (this.held.get(shopKey) ?? 0) > this.now();
  }

  /** The shops this replica holds now. */
  heldShops(): string[] {
    return [...this.held.keys()].filter((k) => this.holds(k)).sort();
  }

  /** One round: heartbeat, renewals, balance. Rejects when the database does (start() reports it instead). */
  async tick(): Promise<void> {
    const c = this.o.coordinator;
    const now = this.now();
    await c.heartbeat(this.identity, now);
    const shops = new Set(this.o.shopKeys());
    const alive = await c.aliveReplicas(now, this.o.replicaTimeoutMs ?? REPLICA_TIMEOUT_MS);
    const share = Math.ceil(shops.size / Math.max(1, alive.length));
    for (const key of [...this.held.keys()]) {
      const keep = shops.has(key) && (await c.renewLease(leaseName(key), this.identity.id, this.ttl, now));
      if (keep) this.held.set(key, now + this.ttl);
      else await this.giveUp(key);
    }
    // Over the fair share (a replica joined): give the extra leases up for the others to take.
    for (const key of [...this.held.keys()].sort().slice(share)) await this.giveUp(key);
    await this.takeFree([...shops], share, now);
  }

  private async takeFree(shops: string[], share: number, now: number): Promise<void> {
    if (this.held.size >= share) return;
    const c = this.o.coordinator;
    const live = new Map((await c.leaseHolders()).map((l) => [l.name, l]));
    const acquired: string[] = [];
    for (const key of shops.sort()) {
      if (this.held.size >= share) break;
      const lease = live.get(leaseName(key));
      if (this.held.has(key) || (lease && lease.expiresAt > now)) continue;
      const got = await c.acquireLease(leaseName(key), this.identity.id, this.ttl, now);
      if (!got) continue;
      this.held.set(key, got.expiresAt);
      acquired.push(key);
    }
    if (acquired.length > 0) this.o.onAcquired?.(acquired);
  }

  private async giveUp(key: string): Promise<void> {
    this.held.delete(key);
    await this.o.coordinator.releaseLease(leaseName(key), this.identity.id);
  }

  /** Ticks now (awaited: the first sweeps know what is held) and every interval after. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.safeTick();
    const loop = () => {
      this.timer = setTimeout(() => {
        this.running = this.safeTick().then(() => {
          if (!this.stopped) loop();
        });
      }, this.o.intervalMs ?? TICK_INTERVAL_MS);
      this.timer.unref();
    };
    if (!this.stopped) loop();
  }

  private async safeTick(): Promise<void> {
    try {
      await this.tick();
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  /** A clean stop: no more ticks; the leases are given up and the heartbeat row removed, for others at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    try {
      for (const key of [...this.held.keys()]) await this.giveUp(key);
      await this.o.coordinator.removeReplica(this.identity.id);
    } catch (err) {
      // The database is unreachable: the leases expire and the row times out on their own.
      this.held.clear();
      this.o.onError?.(err);
    }
  }
}
