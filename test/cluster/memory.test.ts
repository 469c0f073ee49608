import { MemoryCoordinator } from "../../src/cluster/memory.js";
import { coordinatorContract } from "./coordinator-contract.js";

// One daemon per state file: both "replicas" are the same process, so they share one coordinator.
coordinatorContract("in-process", async () => {
  const c = new MemoryCoordinator();
  return { a: c, b: c };
});
