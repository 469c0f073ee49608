/**
 * What `status` and `doctor` show of the cluster: the replicas alive (heartbeat younger than the timeout) and
 * which replica holds which shop's poll sweep now (live leases only; an expired one is shown as unheld).
 */
import type { Coordinator, ReplicaRecord } from "./port.js";
import { REPLICA_TIMEOUT_MS } from "./port.js";
import { shopOfLease } from "./shop-leases.js";

export interface ClusterView {
  replicas: ReplicaRecord[];
  /** Shop key → the id of the replica that sweeps it now. */
  shopHolders: Record<string, string>;
}

export async function clusterView(
  coordinator: Coordinator,
  now: number,
  timeoutMs = REPLICA_TIMEOUT_MS,
): Promise<ClusterView> {
  const replicas = await coordinator.aliveReplicas(now, timeoutMs);
  const shopHolders: Record<string, string> = {};
  for (const lease of await coordinator.leaseHolders()) {
    const shop = shopOfLease(lease.name);
    if (shop !== undefined && lease.expiresAt > now) shopHolders[shop] = lease.holder;
  }
  return { replicas, shopHolders };
}
