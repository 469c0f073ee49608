/** Kommo simulator (amojo + REST v4 + OAuth) for tests, benchmarks and `tokokommo sandbox`. */
export type { BodyMode } from "./reply.js";
export {
  type KommoSimulator,
  type KommoSimulatorOptions,
  type ManagerContent,
  startKommoSimulator,
} from "./simulator.js";
export type { OAuthClient } from "./state.js";
export type {
  SimAccount,
  SimApi,
  SimChannel,
  SimChat,
  SimChatLink,
  SimContact,
  SimDeliveryStatus,
  SimLead,
  SimMessage,
  SimNote,
  SimParticipant,
  SimRequestRecord,
  SimWebhookDelivery,
} from "./types.js";
