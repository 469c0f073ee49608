/** The Seller API routes the simulator serves, with the endpoint names its rate-limit buckets use. */
import type { RouteMethod } from "../../server/router.js";
import {
  type FsRequest,
  type HandlerSettings,
  listMessages,
  listReplies,
  listWebhooks,
  registerWebhooks,
  type SimAnswer,
  sendReply,
  shopInfo,
  whitelist,
} from "./handlers.js";
import type { SimWorld } from "./state.js";

export interface SimRoute {
  method: RouteMethod;
  /** Path template; its `{fsId}` and `{msgId}` segments must be all digits (else 404, as on the platform). */
  path: string;
  endpoint: string;
  handler: (world: SimWorld, req: FsRequest, settings: HandlerSettings) => SimAnswer;
}

export const ROUTES: SimRoute[] = [
  { method: "GET", path: "/v1/chat/fs/{fsId}/messages", endpoint: "list-messages", handler: listMessages },
  {
    method: "GET",
    path: "/v1/chat/fs/{fsId}/messages/{msgId}/replies",
    endpoint: "list-replies",
    handler: listReplies,
  },
  {
    method: "POST",
    path: "/v1/chat/fs/{fsId}/messages/{msgId}/reply",
    endpoint: "send-reply",
    handler: sendReply,
  },
  { method: "GET", path: "/v1/shop/fs/{fsId}/shop-info", endpoint: "shop-info", handler: shopInfo },
  { method: "GET", path: "/v1/fs/{fsId}/whitelist", endpoint: "whitelist", handler: whitelist },
  { method: "GET", path: "/v1/fs/{fsId}", endpoint: "webhook-list", handler: listWebhooks },
  { method: "POST", path: "/v1/fs/{fsId}/register", endpoint: "webhook-register", handler: registerWebhooks },
];
