/** Tokopedia Seller ("fs") API: client, MarketplaceSource, webhook verification and rendering. */
export {
  MAX_PER_PAGE,
  TOKOPEDIA_API_URL,
  TOKOPEDIA_AUTH_URL,
  TokopediaClient,
  type TokopediaClientOptions,
  type WebhookUpdate,
} from "./client.js";
export { type Envelope, readEnvelope } from "./envelope.js";
export { mapFailure, TK_CODES, type TokopediaErrorKind, tokopediaError } from "./errors.js";
export { chatHtmlToText, decodeEntities } from "./html.js";
export { parseJsonKeepingIds } from "./json.js";
export {
  parseAttachment,
  parseContact,
  parseReply,
  parseRoom,
  parseSentReply,
  parseShop,
  parseWebhookConfig,
  parseWhitelist,
} from "./parse.js";
export { type RateLimitSnapshot, readRateLimitHeaders } from "./rate-limit.js";
export { ATTACHMENT, renderNotification, renderReply } from "./render.js";
export { afterCursor, type Cursor, walkReplies } from "./room-walk.js";
export { senderOf, TokopediaSource, type TokopediaSourceOptions } from "./source.js";
export { TokenSource } from "./token.js";
export type * from "./types.js";
export {
  parseChatNotification,
  SIGNATURE_HEADER,
  signTokopediaWebhook,
  verifyTokopediaWebhook,
} from "./webhook.js";
