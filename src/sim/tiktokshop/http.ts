/**
 * The TikTok Shop simulator's HTTP side on the simulator base: one port plays the auth host (/api/v2/token/*,
 * /open/authorize) and the Open API host. Every Open API call passes the gateway's checks (gateway.ts) before its
 * endpoint (open-api.ts); failures answer the platform's envelope with the documented code.
 */
import {
  type SimAnswer,
  type SimFault,
  type SimRequest,
  type SimRequestRecord,
  SimServer,
} from "../base/index.js";
import { AUTH_HOST_PATHS, handleAuthHost } from "./auth-host.js";
import type { SimCore } from "./core.js";
import { checkGateway, type RouteDef } from "./gateway.js";
import { handleApi, ROUTES } from "./open-api.js";
import { handleOrderApi, ORDER_ROUTES } from "./orders.js";
import { envelope, MAX_BODY_BYTES, statusForCode } from "./wire.js";

export type TikTokShopHost = "api" | "auth";

/** What failNext injects on TikTok Shop: a platform code in the envelope, or a bare status with a non-JSON body. */
export interface TikTokShopFault extends SimFault<TikTokShopHost> {
  /** Platform code in the envelope (the status defaults to the one that goes with it); without it, an HTML body. */
  code?: number;
  message?: string;
}

/** One request as the simulator answered it. */
export interface CallRecord extends SimRequestRecord<TikTokShopHost> {
  /** The platform code answered (-1: none, e.g. a bare-status fault). */
  code: number;
  shopId?: string;
}

type Req = SimRequest<TikTokShopHost, CallRecord>;

const isAuthPath = (path: string) => path.startsWith("/api/v2/token/") || path === "/open/authorize";

export function tiktokShopServer(core: SimCore): SimServer<TikTokShopHost, CallRecord, TikTokShopFault> {
  const server = new SimServer<TikTokShopHost, CallRecord, TikTokShopFault>({
    hostOf: (path) => (isAuthPath(path) ? "auth" : "api"),
    mainHost: "api",
    bodyLimit: MAX_BODY_BYTES,
    newRecord: (base) => ({ ...base, code: -1 }),
    tooLarge: (req) => coded(req, 36009021, "The uploaded file is too large."),
    unrouted: (req, why) => unrouted(core, req, why),
    faultAnswer: (fault, req) => faultAnswer(fault, req),
    internalError: () => envelope(36009003, "Internal error, please retry.", null),
  });
  for (const path of AUTH_HOST_PATHS) server.route("GET", path, (req) => authHost(core, req));
  for (const route of [...ROUTES, ...ORDER_ROUTES])
    server.route(route.method, route.path, (req) => openApi(core, route, req));
  return server;
}

/** An error envelope, noted in the call log. */
function coded(req: Req, code: number, message: string, shopId?: string): SimAnswer {
  req.record.code = code;
  if (shopId) req.record.shopId = shopId;
  return envelope(code, message, null);
}

function unrouted(core: SimCore, req: Req, why: "path" | "method"): SimAnswer {
  // The auth host does not look at the method; an unknown auth path is no API either.
  if (req.host === "auth" && why === "method") return authHost(core, req);
  return why === "path"
    ? coded(req, 36009009, "Invalid path. The path matches no API.")
    : coded(req, 36009010, "The HTTP method is not supported by this API.");
}

function faultAnswer(fault: TikTokShopFault, req: Req): SimAnswer {
  const status = fault.status ?? (fault.code !== undefined ? statusForCode(fault.code) : 500);
  req.record.code = fault.code ?? -1;
  if (fault.code !== undefined)
    return envelope(fault.code, fault.message ?? "Injected fault.", null, { status });
  return { status, headers: { "content-type": "text/html" }, body: "<html>upstream error</html>" };
}

function authHost(core: SimCore, req: Req): SimAnswer {
  const r = handleAuthHost(core, req.path, req.query);
  if (r === false) return coded(req, 36009009, "Invalid path. The path matches no API.");
  req.record.code = r.code;
  return r.answer;
}

function openApi(core: SimCore, route: RouteDef, req: Req): SimAnswer {
  const id = req.params.conversationId;
  if (id !== undefined && !/^[0-9]+$/.test(id)) return unrouted(core, req, "path");
  const result = checkGateway(core, route, {
    path: req.path,
    query: req.query,
    headers: req.headers,
    body: req.body,
    remoteAddress: req.remoteAddress,
    params: id === undefined ? [] : [id],
  });
  if (!result.ok) return coded(req, result.code, result.message, result.shopId);
  const out = ORDER_ROUTES.includes(route)
    ? handleOrderApi(core, result.pass, req.body)
    : handleApi(core, route, result.pass, req.body, req.headers["content-type"] ?? "");
  req.record.code = out.code;
  if (result.pass.shop) req.record.shopId = result.pass.shop.id;
  return envelope(out.code, out.code === 0 ? "Success" : (out.message ?? "Error"), out.data ?? {});
}
