/** TikTok Shop Partner API simulator ("Tokopedia & Shop"): start it, drive it with the control API. */
export {
  type CallRecord,
  CONVERSATION_ORDERS,
  type ConversationOrder,
  type Fault,
  type TikTokShopSimOptions,
} from "./core.js";
export {
  type SimBuyerInput,
  type SimContentInput,
  type SimSellerInput,
  type SimSentMessage,
  startTikTokShopSim,
  type TikTokShopSim,
} from "./sim.js";
export type { Notification, WebhookDelivery } from "./webhooks.js";
