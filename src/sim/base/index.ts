/** The simulator base: server, routes, body limit, latency, fault injection and request log. */
export type { SimDrop, SimFault, SimRequestMatch } from "./faults.js";
export { arrivalsPerSecond, maxArrivalsInWindow } from "./request-rates.js";
export {
  type SimAnswer,
  type SimHandler,
  type SimRequest,
  type SimRequestRecord,
  SimServer,
  type SimServerSpec,
} from "./sim-server.js";
