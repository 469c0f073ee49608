/** The Seller API routes the simulator serves, with the endpoint names its rate-limit buckets use. */
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
  method: string;
  pattern: RegExp;
  endpoint: string;
  handler: (world: SimWorld, req: FsRequest, settings: HandlerSettings) => SimAnswer;
}

export const ROUTES: SimRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/chat\/fs\/(\d+)\/messages$/,
    endpoint: "list-messages",
    handler: listMessages,
  },
  {
    method: "GET",
    pattern: /^\/v1\/chat\/fs\/(\d+)\/messages\/(\d+)\/replies$/,
    endpoint: "list-replies",
    handler: listReplies,
  },
  {
    method: "POST",
    pattern: /^\/v1\/chat\/fs\/(\d+)\/messages\/(\d+)\/reply$/,
    endpoint: "send-reply",
    handler: sendReply,
  },
  { method: "GET", pattern: /^\/v1\/shop\/fs\/(\d+)\/shop-info$/, endpoint: "shop-info", handler: shopInfo },
  { method: "GET", pattern: /^\/v1\/fs\/(\d+)\/whitelist$/, endpoint: "whitelist", handler: whitelist },
  { method: "GET", pattern: /^\/v1\/fs\/(\d+)$/, endpoint: "webhook-list", handler: listWebhooks },
  {
    method: "POST",
    pattern: /^\/v1\/fs\/(\d+)\/register$/,
    endpoint: "webhook-register",
    handler: registerWebhooks,
  },
];
