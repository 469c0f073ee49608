/**
 * `status`'s cluster section, on a PostgreSQL state: the `serve` replicas alive (a heartbeat within the timeout)
 * and, per configured shop, the replica that sweeps it now (or nobody: no replica runs, or its lease lapsed and
 * none has taken it yet).
 */
import type { ClusterView } from "../../cluster/cluster-view.js";
import { REPLICA_TIMEOUT_MS, type ReplicaRecord } from "../../cluster/port.js";
import { formatTable } from "../table.js";

export interface ClusterStatus {
  /** Oldest start first; times in ms since the epoch. */
  replicas: ReplicaRecord[];
  /** Per configured shop, in the config's order: the id of the replica sweeping it, or null (nobody). */
  shops: { shopKey: string; sweptBy: string | null }[];
}

export function clusterStatus(view: ClusterView, shopKeys: string[]): ClusterStatus {
  return {
    replicas: view.replicas.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      startedAt: r.startedAt,
      lastSeenAt: r.lastSeenAt,
    })),
    shops: shopKeys.map((shopKey) => ({ shopKey, sweptBy: view.shopHolders[shopKey] ?? null })),
  };
}

const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The section's lines: a header, the replicas' table, one line per shop. */
export function clusterText(c: ClusterStatus): string[] {
  const n = c.replicas.length;
  if (n === 0) {
    return [
      `cluster: no replica alive (none wrote its heartbeat in the last ${REPLICA_TIMEOUT_MS / 1000} s)`,
      ...c.shops.map((s) => `sweeps ${s.shopKey}: nobody`),
    ];
  }
  const byId = new Map(c.replicas.map((r) => [r.id, r]));
  const table = formatTable(
    ["REPLICA", "HOST", "PID", "STARTED", "LAST SEEN"],
    c.replicas.map((r) => [r.id, r.host, String(r.pid), at(r.startedAt), at(r.lastSeenAt)]),
  );
  return [
    `cluster: ${n} replica${n === 1 ? "" : "s"} alive`,
    table,
    ...c.shops.map((s) => {
      const r = s.sweptBy === null ? undefined : byId.get(s.sweptBy);
      if (s.sweptBy === null) return `sweeps ${s.shopKey}: nobody (no replica holds its lease now)`;
      return `sweeps ${s.shopKey}: replica ${s.sweptBy}${r ? ` (${r.host}, pid ${r.pid})` : ""}`;
    }),
  ];
}
