/** Setup of Tokopedia & Shop sellers: bind (shops add), consent link, redirect listener, init (prompted or scripted). */
export {
  type BindTikTokShopSellerOptions,
  type BoundTikTokShop,
  bindTikTokShopSeller,
  commitTikTokShopBinding,
  exchangeTikTokShopCode,
  planTikTokShopBinding,
  preflightTikTokShopBinding,
  type StagedTikTokShopAuthorization,
  type TikTokShopBindResult,
} from "./bind.js";
export {
  authCodeFromPaste,
  authCodeFromRedirect,
  CONSENT_HOST,
  consentLink,
  newConsentState,
} from "./consent.js";
export { type CredentialCheck, verifyTikTokShopCredentials } from "./credentials.js";
export { TTS_SETUP_ERR } from "./errors.js";
export { missingTikTokShopFlags, parseShopIds, type TikTokShopInitFlags } from "./init-flags.js";
export { type TikTokShopInitOptions, tiktokshopInitSteps } from "./init-steps.js";
export {
  type AuthCodeListener,
  type AuthCodeListenerOptions,
  catchAuthCode,
  listenForAuthCode,
} from "./redirect-listener.js";
export { type TikTokShopWebhookUrl, tiktokshopWebhookUrl } from "./webhook-url.js";
