/** Kommo simulator (amojo + REST v4 + OAuth) for tests, benchmarks and `tokokommo sandbox`. */

export type { KommoFault, KommoHost, KommoRequestRecord } from "./http.js";
export type { SimPipelineIds } from "./lead-desk.js";
export type { KommoSimulatorOptions } from "./options.js";
export type { BodyMode } from "./reply.js";
export type { KommoRoutingControl } from "./routing-control.js";
export { type KommoSimulator, startKommoSimulator } from "./simulator.js";
export type { OAuthClient } from "./state.js";
export type {
  SimAccount,
  SimApi,
  SimChannel,
  SimChat,
  SimChatLink,
  SimContact,
  SimDeliveryStatus,
  SimIncomingLeadWrite,
  SimLead,
  SimMessage,
  SimNote,
  SimParticipant,
  SimPipeline,
  SimRights,
  SimSource,
  SimUser,
  SimWebhookDelivery,
} from "./types.js";
export type { ManagerContent } from "./webhook-body.js";
