/** TikTok Shop Partner API source ("Tokopedia & Shop"): client, auth, webhooks and the MarketplaceSource. */
export { type ApiCall, type ApiCredentials, TikTokShopApi } from "./api.js";
export {
  type AuthorizedShop,
  CS_SCOPE,
  type SellerAuthorization,
  TikTokShopAuth,
  type TikTokShopAuthOptions,
  type TikTokShopTokenMeta,
} from "./auth.js";
export {
  IMAGE_TYPES,
  MAX_IMAGE_BYTES,
  type Page,
  TikTokShopClient,
  type TikTokShopClientOptions,
} from "./client.js";
export { mapApiFailure, type PlatformFailure, TTS_ERR, type TtsErrorCode } from "./errors.js";
export { parseJsonKeepingBigInts } from "./json.js";
export type { ShopAccess, TtsConversation, TtsMessage, TtsParticipant } from "./model.js";
export { ORDER_SCOPE, readOrder, SELLER_CENTER_ORDER_URL } from "./orders.js";
export { DEFAULT_LINKS, type RenderLinks, renderContent, senderRole } from "./render.js";
export { signApiRequest, signWebhookBody } from "./signing.js";
export { type TikTokShopBinding, TikTokShopSource, type TikTokShopSourceOptions } from "./source.js";
export { MAX_TEXT_LENGTH, splitText } from "./split.js";
export { parseWebhookBody, verifyWebhookSignature, WEBHOOK_TYPES } from "./webhook.js";
