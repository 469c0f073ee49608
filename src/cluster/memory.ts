/**
 * The in-process coordinator, for the embedded SQLite state: the daemon lock lets one process open a state file,
 * so every lease, budget and lock is this process's own. The same contract as the PostgreSQL implementation (the
 * contract suite runs against both), so the engine is written once.
 */
import type { Coordinator, LeaseRecord, RateBudget, ReplicaIdentity, ReplicaRecord } from "./port.js";
import { REPLICA_TIMEOUT_MS } from "./port.js";
import { nextGrant } from "./sliding-window.js";

export class MemoryCoordinator implements Coordinator {
  private readonly replicas = new Map<string, ReplicaRecord>();
  private readonly leases = new Map<string, LeaseRecord>();
  private readonly budgets = new Map<string, number[]>();
  /** The tail of each key's queue of refreshes. */
  private readonly locks = new Map<string, Promise<unknown>>();

  async heartbeat(replica: ReplicaIdentity, now: number): Promise<void> {
    this.replicas.set(replica.id, { ...replica, lastSeenAt: now });
  }

  async aliveReplicas(now: number, timeoutMs = REPLICA_TIMEOUT_MS): Promise<ReplicaRecord[]> {
    return [...this.replicas.values()]
      .filter((r) => r.lastSeenAt > now - timeoutMs)
      .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  }

  async removeReplica(id: string): Promise<void> {
    this.replicas.delete(id);
  }

  async acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
    now: number,
  ): Promise<LeaseRecord | undefined> {
    const held = this.leases.get(name);
    if (held && held.holder !== holder && held.expiresAt > now) return undefined;
    const lease = { name, holder, expiresAt: now + ttlMs };
    this.leases.set(name, lease);
    return { ...lease };
  }

  async renewLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const held = this.leases.get(name);
    if (held?.holder !== holder) return false;
    held.expiresAt = now + ttlMs;
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    if (this.leases.get(name)?.holder !== holder) return false;
    this.leases.delete(name);
    return true;
  }

  async leaseHolders(): Promise<LeaseRecord[]> {
    return [...this.leases.values()].map((l) => ({ ...l })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async take(key: string, budget: RateBudget, now: number): Promise<number> {
    const next = nextGrant(this.budgets.get(key) ?? [], budget, now);
    this.budgets.set(key, next.grants);
    return next.at;
  }

  withRefreshLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(() => fn());
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  async close(): Promise<void> {}
}
