/** TikTok Shop Partner API simulator ("Tokopedia & Shop"): start it, drive it with the control API. */
export type { SimContentInput, SimSentMessage } from "./content.js";
export { CONVERSATION_ORDERS, type ConversationOrder, type TikTokShopSimOptions } from "./core.js";
export type { CallRecord, TikTokShopFault, TikTokShopHost } from "./http.js";
export {
  type SimBuyerInput,
  type SimSellerInput,
  startTikTokShopSim,
  type TikTokShopSim,
} from "./simulator.js";
export type { Notification, WebhookDelivery } from "./webhooks.js";
