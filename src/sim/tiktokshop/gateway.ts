/**
 * The simulated Open API gateway (docs/platforms/tiktokshop.md#request-signing): every check the real gateway makes,
 * in the order that makes the answers deterministic — route, app_key, timestamp window, sign, IP allow list,
 * access token, shop_cipher, scope, rate limit, daily quota. Each failure answers the documented code with
 * `data: null`.
 */

import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { RouteMethod } from "../../server/router.js";
import { signApiRequest } from "../../sources/tiktokshop/signing.js";
import type { SimCore } from "./core.js";
import type { SimSeller, SimShop } from "./state.js";
import { mediaType } from "./wire.js";

export const CS_SCOPE = "seller.customer_service";

export interface RouteDef {
  method: RouteMethod;
  /** Path template; `{conversationId}` must be all digits (else 36009009, as no API has the path). */
  path: string;
  /** "none": must not carry shop_cipher; "required": shop-scoped. */
  cipher: "none" | "required";
  scope?: string;
  body: "json" | "multipart" | "none";
  key: string;
}

export interface GatewayPass {
  seller: SimSeller;
  shop?: SimShop;
  params: string[];
  query: URLSearchParams;
}

export type GatewayResult =
  | { ok: true; pass: GatewayPass }
  | { ok: false; code: number; message: string; shopId?: string };

function fail(code: number, message: string, shopId?: string): GatewayResult {
  return { ok: false, code, message, ...(shopId ? { shopId } : {}) };
}

/** A request that matched `route`, as the gateway checks it. */
export interface GatewayRequest {
  /** The path as sent (the signature covers it). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  remoteAddress: string;
  /** The route's path parameters, in order. */
  params: string[];
}

export function checkGateway(core: SimCore, route: RouteDef, req: GatewayRequest): GatewayResult {
  return checkSignedRequest(core, route, req) ?? checkCaller(core, route, req);
}

/** app_key, timestamp window, sign (constant-time), content type: a failure, or undefined when all hold. */
function checkSignedRequest(core: SimCore, route: RouteDef, req: GatewayRequest): GatewayResult | undefined {
  const { body } = req;
  const q = req.query;
  if (q.get("app_key") !== core.opts.appKey) {
    return fail(36009004, "Invalid credentials. Invalid 'app_key' query parameter.");
  }
  const ts = Number(q.get("timestamp"));
  const realNow = Math.floor(Date.now() / 1000);
  if (!/^\d{10}$/.test(q.get("timestamp") ?? "") || ts < realNow - 300 || ts > realNow + 30) {
    return fail(36009004, "Invalid 'timestamp' query parameter: outside the accepted window.");
  }
  const sign = q.get("sign");
  if (!sign) return fail(36009004, "Missing 'sign' query parameter.");
  const query: Record<string, string> = {};
  for (const [k, v] of q) query[k] = v;
  const ct = mediaType(req.headers["content-type"]);
  const multipart = ct === "multipart/form-data";
  const expected = signApiRequest({
    appSecret: core.opts.appSecret,
    path: req.path,
    query,
    ...(body.length > 0 ? { body } : {}),
    multipart,
  });
  const a = Buffer.from(sign);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return fail(106001, "Invalid sign. Please check the signature algorithm.");
  }
  if (route.body === "multipart" && !multipart) {
    return fail(36009023, "The content-type must be multipart/form-data.");
  }
  if (route.body === "json" && body.length > 0 && ct !== "application/json") {
    return fail(36009022, "The request body must be application/json or multipart/form-data.");
  }
  return undefined;
}

/** After the signed-request checks: IP allow list, access token, shop_cipher, scope, rate limit, daily quota. */
function checkCaller(core: SimCore, route: RouteDef, req: GatewayRequest): GatewayResult {
  const q = req.query;
  const ip = req.remoteAddress;
  if (core.opts.ipAllowList && !core.opts.ipAllowList.includes(ip)) {
    return fail(36009033, `The IP ${ip} is not in the app's IP allow list.`);
  }

  const header = req.headers["x-tts-access-token"];
  const accessToken = Array.isArray(header) ? header[0] : header;
  if (!accessToken) return fail(36009004, "Invalid 'x-tts-access-token' header: missing.");
  const token = core.state.tokens.get(accessToken);
  const seller = token ? core.state.sellers.get(token.openId) : undefined;
  if (!token || token.revoked || !seller || seller.deauthorized) {
    return fail(36009004, "Invalid credentials. Invalid 'x-tts-access-token' header.");
  }
  if (token.accessExpiresAt <= core.nowSec()) {
    return fail(105002, "Expired credentials. The access token has expired.");
  }

  const cipher = q.get("shop_cipher");
  let shop: SimShop | undefined;
  if (route.cipher === "none") {
    if (cipher !== null) {
      return fail(
        36009004,
        "Unexpected identifier. The 'shop_cipher' query parameter is not required for this request.",
      );
    }
  } else {
    if (!cipher) return fail(106013, "The 'shop_cipher' query parameter is missing.");
    shop = [...core.state.shops.values()].find((s) => s.cipher === cipher);
    if (!shop || shop.openId !== seller.openId) {
      return fail(101000, "The access token does not match the shop_cipher.");
    }
  }

  if (route.scope && !seller.scopes.includes(route.scope)) {
    return fail(105005, "Access denied.", shop?.id);
  }
  if (core.overRate(`${shop?.id ?? seller.openId}:${route.key}`)) {
    return fail(36009002, "Too many requests. Please retry later.", shop?.id);
  }
  if (shop && route.scope === CS_SCOPE && core.overQuota(shop.id)) {
    return fail(45101004, "The query quota has been reached (10000 request per day).", shop.id);
  }
  return { ok: true, pass: { seller, ...(shop ? { shop } : {}), params: req.params, query: q } };
}
