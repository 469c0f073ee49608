/** Kommo side of the bridge: Chats API (amojo) client, REST v4 client, reply-webhook verification. */
export { amojoHttpError } from "./amojo-errors.js";
export { KommoChatsClient, type KommoChatsClientOptions } from "./chats-client.js";
export type {
  AmojoMessageType,
  AmojoMessageWire,
  AmojoNewMessagePayload,
  AmojoParticipantWire,
  CreateChatInput,
  DeliveryStatusInput,
  HistoryMessage,
  HistoryParticipant,
  SendMessageResult,
} from "./chats-types.js";
export { getKommoLimiter, type KommoLimiterOptions, KommoRateLimiter } from "./limiter.js";
export {
  type ChatLink,
  type KommoAccount,
  type KommoContact,
  type KommoRestAuth,
  KommoRestClient,
  type KommoRestClientOptions,
} from "./rest-client.js";
export type { KommoPipeline, KommoSource, KommoUser, UsersAnswer } from "./routing-types.js";
export {
  AMOJO_CONTENT_TYPE,
  amojoStringToSign,
  hexEquals,
  hmacSha1Hex,
  md5Hex,
  rfc2822Date,
  type SignedAmojoHeaders,
  signAmojoRequest,
} from "./signing.js";
export {
  type KommoOtherWebhook,
  type KommoReplyMessage,
  type KommoReplyType,
  type KommoReplyWebhook,
  type KommoWebhookEvent,
  parseKommoWebhook,
  verifyKommoWebhook,
} from "./webhook.js";
