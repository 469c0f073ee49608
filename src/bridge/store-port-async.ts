/**
 * The engine's state port under the names it had while the engine was being moved onto it; store-port.ts holds
 * it now (EngineStore, EngineStoreTx, JobQueuePort). Kept so code written against these names compiles.
 */
export type {
  EngineStore as AsyncEngineStore,
  EngineStoreTx as AsyncEngineStoreTx,
  JobQueuePort as AsyncJobQueuePort,
} from "./store-port.js";
