/**
 * The Kommo simulator's HTTP side on the simulator base: one port serves amojo (/v2/origin/custom/..., see
 * amojo-http.ts) and the account REST API (/api/v4/..., /oauth2/access_token). Every REST call passes, in order:
 * the per-account rate window (429, then 403 once blocked), the token endpoint or the bearer token (401), the
 * `limit` parameter (422), then its route. Every answer carries a Date from the simulator's clock (so tests can
 * skew it) and an x-request-id.
 */
import { type SimFault, type SimRequest, type SimRequestRecord, SimServer } from "../base/index.js";
import { amojoUnrouted, mountAmojo } from "./amojo-http.js";
import type { AmojoConfig } from "./amojo-routes.js";
import { handleToken, type OAuthConfig } from "./oauth-routes.js";
import type { RateWindow } from "./rate-window.js";
import { amojoError, type BodyMode, limitReply, problem, type SimReply } from "./reply.js";
import { badLimit, REST_ROUTES, restNotFound } from "./rest-routes.js";
import type { SimState } from "./state.js";
import type { SimApi } from "./types.js";

export type KommoHost = SimApi;
export type KommoFault = SimFault<KommoHost>;

export interface KommoRequestRecord extends SimRequestRecord<KommoHost> {
  /** The account the request was for, once known (token, grant or channel). */
  accountId?: number;
}

export type KommoRequest = SimRequest<KommoHost, KommoRequestRecord>;

/** What the HTTP side reads from the simulator it serves. */
export interface KommoHttpContext {
  state: SimState;
  now: () => number;
  amojo: AmojoConfig;
  oauth: OAuthConfig;
  window: RateWindow;
  body429: BodyMode;
  body403: BodyMode;
}

const TOKEN_PATH = "/oauth2/access_token";

export function kommoServer(ctx: KommoHttpContext): SimServer<KommoHost, KommoRequestRecord, KommoFault> {
  const server: SimServer<KommoHost, KommoRequestRecord, KommoFault> = new SimServer({
    hostOf: (path) => (path.startsWith("/v2/origin/") ? "amojo" : "rest"),
    mainHost: "any",
    unrouted: (req) =>
      req.host === "amojo"
        ? amojoUnrouted(ctx.state, ctx.amojo, req)
        : restNotFound(req.method, server.url, req.path),
    faultAnswer: (fault, req) =>
      req.host === "amojo"
        ? amojoError(fault.status ?? 500, "INTERNAL_ERROR", "injected fault")
        : problem(fault.status ?? 500, "Injected", "injected fault"),
    internalError: () => ({ status: 500 }),
    guard: (req) => (req.host === "rest" ? restGate(ctx, req) : undefined),
    // Date from the simulator's own clock, as a real server sends its clock: lets tests simulate clock skew.
    finish: (answer) => ({
      ...answer,
      headers: {
        date: new Date(ctx.now()).toUTCString(),
        ...(answer.headers ?? {}),
        "x-request-id": String(server.requests().length),
      },
    }),
  });
  mountAmojo(server, ctx.state, ctx.amojo);
  server.route("POST", TOKEN_PATH, (req) => handleToken(ctx.state, ctx.oauth, req.body).reply);
  for (const r of REST_ROUTES) {
    server.route(r.method, r.path, (req) => {
      const account = accountOf(ctx, req);
      if (!account) return unauthorized();
      return r.handler({ ...req, state: ctx.state, account, q: req.query, origin: server.url });
    });
  }
  return server;
}

const unauthorized = () => problem(401, "Unauthorized", "Invalid user name or password");
const isTokenCall = (req: KommoRequest) => req.method === "POST" && req.path === TOKEN_PATH;
const bearerOf = (req: KommoRequest) => /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

/** Rate window, then (but for the token endpoint) the bearer token and the `limit` parameter. */
function restGate(ctx: KommoHttpContext, req: KommoRequest): SimReply | undefined {
  const bearer = bearerOf(req);
  const tokenRec = bearer ? ctx.state.accessTokens.get(bearer) : undefined;
  const accountId = isTokenCall(req) ? peekGrantAccount(ctx.state, req.body) : tokenRec?.accountId;
  if (accountId !== undefined) req.record.accountId = accountId;
  const verdict = ctx.window.admit(accountId === undefined ? "anon" : String(accountId), Date.now());
  if (verdict === "blocked") return limitReply(403, ctx.body403);
  if (verdict === "limited") return limitReply(429, ctx.body429);
  if (isTokenCall(req)) return undefined;
  if (!accountOf(ctx, req)) return unauthorized();
  return badLimit(req.query);
}

/** The account of a live bearer token, if any. */
function accountOf(ctx: KommoHttpContext, req: KommoRequest) {
  const bearer = bearerOf(req);
  const t = bearer ? ctx.state.accessTokens.get(bearer) : undefined;
  if (!t || t.revoked || t.expiresAt <= ctx.now()) return undefined;
  return ctx.state.accounts.get(t.accountId);
}

/** Which account a token-endpoint call is about (for rate accounting), without consuming anything. */
function peekGrantAccount(state: SimState, body: Buffer): number | undefined {
  try {
    const j = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (typeof j.code === "string") return state.authCodes.get(j.code)?.accountId;
    if (typeof j.refresh_token === "string") return state.refreshTokens.get(j.refresh_token)?.accountId;
  } catch {
    // malformed: handled (400) by the token endpoint itself
  }
  return undefined;
}
