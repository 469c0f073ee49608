/** Tokopedia Seller API simulator (real HTTP on 127.0.0.1) and its control API. */
export type { RateLimitSetting } from "./bucket.js";
export type { Delivery } from "./deliver.js";
export type { SimRequestLog, TokopediaFault, TokopediaHost } from "./http.js";
export {
  type BuyerSendResult,
  startTokopediaSim,
  TokopediaSim,
  type TokopediaSimOptions,
} from "./simulator.js";
export type { BindingState, SimAttachment, SimReply } from "./state.js";
