export {
  type BudgetGateOptions,
  budgetGate,
  kommoBudgetKey,
  type SharedBudget,
  tokopediaBudgetKey,
} from "./budget-gate.js";
export { type ClusterView, clusterView } from "./cluster-view.js";
export { MemoryCoordinator } from "./memory.js";
export type { Coordinator, LeaseRecord, RateBudget, ReplicaIdentity, ReplicaRecord } from "./port.js";
export { REPLICA_TIMEOUT_MS } from "./port.js";
export { PostgresCoordinator, type PostgresCoordinatorOptions } from "./postgres.js";
export { CLUSTER_DDL } from "./postgres-sql.js";
export { withClusterRefreshLock } from "./refresh-lock.js";
export { type ReplicaHooks, type ReplicaHooksOptions, replicaHooks } from "./replica-hooks.js";
export {
  LEASE_TTL_MS,
  newReplicaIdentity,
  ShopLeases,
  type ShopLeasesOptions,
  TICK_INTERVAL_MS,
} from "./shop-leases.js";
