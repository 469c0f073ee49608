/**
 * The Tokopedia simulator's HTTP side on the simulator base: one port plays both hosts, accounts (`/token`) and the
 * Seller API (`/v1/...`). Every Seller API call passes, in order: the IP whitelist, the bearer token, the rate-limit
 * bucket of its (fs_id, endpoint), then its handler (docs/platforms/tokopedia.md).
 */
import {
  type SimAnswer,
  type SimFault,
  type SimRequest,
  type SimRequestRecord,
  SimServer,
} from "../base/index.js";
import { Bucket, type RateLimitSetting } from "./bucket.js";
import type { HandlerSettings, SimAnswer as WireAnswer } from "./handlers.js";
import { type Wire, wireJson } from "./json-text.js";
import { ROUTES, type SimRoute } from "./routes.js";
import type { SimWorld } from "./state.js";
import { type TokenStats, tokenRequest } from "./token-route.js";
import { errorA } from "./wire.js";

/** The accounts host (`/token`) or the Seller API (`fs`). */
export type TokopediaHost = "fs" | "token";

export type TokopediaFault = SimFault<TokopediaHost>;

export interface SimRequestLog extends SimRequestRecord<TokopediaHost> {
  /** The rate-limit endpoint name ("list-replies" ...), or the host when no route matched. */
  endpoint: string;
}

type Req = SimRequest<TokopediaHost, SimRequestLog>;

/** What the HTTP side reads from the simulator it serves. */
export interface TokopediaHttpContext {
  world: SimWorld;
  settings: HandlerSettings;
  tokenStats: TokenStats;
  tokenTtlSeconds(): number;
  /** The rate limit of an endpoint; null: unlimited. */
  rateLimit(endpoint: string): RateLimitSetting | null;
  buckets: Map<string, Bucket>;
}

const jsonAnswer = (
  status: number,
  body: Wire | string,
  headers: Record<string, string> = {},
): SimAnswer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : wireJson(body),
});

const SERVER_ERROR = "Our server encounters an error, please try again later";
const notFound = () => jsonAnswer(404, errorA("Not Found", "route not found", "404"));

export function tokopediaServer(
  ctx: TokopediaHttpContext,
): SimServer<TokopediaHost, SimRequestLog, TokopediaFault> {
  const server = new SimServer<TokopediaHost, SimRequestLog, TokopediaFault>({
    hostOf: (path) => (path === "/token" ? "token" : "fs"),
    mainHost: "fs",
    now: () => ctx.world.now(),
    newRecord: (base) => ({ ...base, endpoint: base.host }),
    // The token endpoint answers every method itself (405 for all but POST).
    unrouted: (req) => (req.host === "token" ? token(ctx, req) : notFound()),
    faultAnswer: (fault) =>
      jsonAnswer(fault.status ?? 500, errorA(SERVER_ERROR, "simulated failure", String(fault.status ?? 500))),
    internalError: (err) => jsonAnswer(500, errorA(SERVER_ERROR, String(err), 500)),
  });
  server.route("POST", "/token", (req) => token(ctx, req));
  for (const route of ROUTES) server.route(route.method, route.path, (req) => sellerApi(ctx, route, req));
  return server;
}

function token(ctx: TokopediaHttpContext, req: Req): SimAnswer {
  const answer = tokenRequest(ctx.world, ctx.tokenStats, ctx.tokenTtlSeconds(), {
    method: req.method,
    authorization: req.headers.authorization ?? "",
    grantType:
      req.query.get("grant_type") ?? new URLSearchParams(req.body.toString("utf8")).get("grant_type"),
  });
  return jsonAnswer(answer.status, answer.body);
}

function sellerApi(ctx: TokopediaHttpContext, route: SimRoute, req: Req): SimAnswer {
  const params = [req.params.fsId ?? "", ...(req.params.msgId === undefined ? [] : [req.params.msgId])];
  if (!params.every((p) => /^\d+$/.test(p))) return notFound();
  req.record.endpoint = route.endpoint;
  const fsId = Number(params[0]);
  const app = ctx.world.app(fsId);
  if (app?.whitelist.enforce && !app.whitelist.ips.includes(req.remoteAddress)) {
    // Undocumented: 403 with the header/data envelope (an assumption).
    return jsonAnswer(
      403,
      errorA(
        "Forbidden: your IP address is not whitelisted",
        `IP ${req.remoteAddress} is not whitelisted for fs_id ${fsId}`,
        "ERR_IP_NOT_WHITELISTED",
      ),
    );
  }
  const bearer = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
  const owner = ctx.world.apps.find((a) => !a.revoked && a.token?.value === bearer && bearer !== "");
  if (!owner?.token || ctx.world.now() >= owner.token.expiresAt || owner.fsId !== fsId) {
    return jsonAnswer(401, errorA("Unauthorized", "invalid or expired access token", 401));
  }
  const rate = takeRate(ctx, fsId, route.endpoint);
  if (rate && !rate.allowed) {
    return jsonAnswer(
      429,
      errorA("Too Many Requests", "rate limit exceeded", "ERR_TOO_MANY_REQUEST"),
      rate.headers,
    );
  }
  const answer: WireAnswer = route.handler(
    ctx.world,
    { app: owner, query: req.query, body: req.body, params },
    ctx.settings,
  );
  return jsonAnswer(answer.status, answer.body, rate?.headers ?? {});
}

function takeRate(
  ctx: TokopediaHttpContext,
  fsId: number,
  endpoint: string,
): { allowed: boolean; headers: Record<string, string> } | null {
  const setting = ctx.rateLimit(endpoint);
  if (!setting) return null;
  const key = `${fsId}:${endpoint}`;
  let bucket = ctx.buckets.get(key);
  if (!bucket) {
    bucket = new Bucket(setting, ctx.world.now());
    ctx.buckets.set(key, bucket);
  }
  return bucket.take(ctx.world.now());
}
