/**
 * POST /oauth2/access_token of the simulator (docs/platforms/kommo.md#oauth-and-tokens): authorization_code and
 * refresh_token grants, single-use rotating refresh tokens, OAuthProblemJson 400s with the observed hints.
 */
import { json, oauthProblem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";

export interface OAuthConfig {
  now: () => number;
  accessTokenTtlSec: number;
  refreshTokenTtlMs: number;
}

type Obj = Record<string, unknown>;

/** Returns the reply and, when known, the account the grant belongs to (for rate accounting). */
export function handleToken(
  state: SimState,
  cfg: OAuthConfig,
  raw: Buffer,
): { reply: SimReply; accountId?: number } {
  let body: Obj;
  try {
    body = JSON.parse(raw.toString("utf8")) as Obj;
    if (!body || typeof body !== "object") throw new Error("not an object");
  } catch {
    return { reply: oauthProblem("Request body is not valid JSON") };
  }
  const client = typeof body.client_id === "string" ? state.oauthClients.get(body.client_id) : undefined;
  if (!client || body.client_secret !== client.clientSecret)
    return { reply: oauthProblem("Client authentication failed") };
  if (body.redirect_uri !== client.redirectUri) return { reply: oauthProblem("Redirect URI mismatch") };
  const now = cfg.now();

  let accountId: number;
  if (body.grant_type === "authorization_code") {
    const code = typeof body.code === "string" ? state.authCodes.get(body.code) : undefined;
    if (!code || code.clientId !== client.clientId)
      return { reply: oauthProblem("Cannot decrypt the authorization code") };
    if (code.used)
      return { reply: oauthProblem("Authorization code has been revoked"), accountId: code.accountId };
    if (code.expiresAt <= now)
      return { reply: oauthProblem("Authorization code has expired"), accountId: code.accountId };
    code.used = true;
    accountId = code.accountId;
  } else if (body.grant_type === "refresh_token") {
    const rt =
      typeof body.refresh_token === "string" ? state.refreshTokens.get(body.refresh_token) : undefined;
    if (!rt || rt.clientId !== client.clientId) return { reply: oauthProblem("Invalid refresh token") };
    if (rt.spent || rt.revoked || rt.expiresAt <= now) {
      if (rt.spent || rt.revoked) state.spentRefreshPresented++;
      return { reply: oauthProblem("Invalid refresh token"), accountId: rt.accountId };
    }
    rt.spent = true; // single use: spent the moment it is accepted, whatever happens to the answer
    accountId = rt.accountId;
    state.refreshesIssued++;
  } else {
    return { reply: oauthProblem("Unsupported grant type") };
  }

  const access = state.token("at_");
  const refresh = state.token("rt_");
  state.accessTokens.set(access, {
    accountId,
    kind: "oauth",
    expiresAt: now + cfg.accessTokenTtlSec * 1000,
    revoked: false,
  });
  state.refreshTokens.set(refresh, {
    accountId,
    clientId: client.clientId,
    expiresAt: now + cfg.refreshTokenTtlMs,
    spent: false,
    revoked: false,
  });
  return {
    reply: json(200, {
      token_type: "Bearer",
      expires_in: cfg.accessTokenTtlSec,
      server_time: Math.floor(now / 1000),
      access_token: access,
      refresh_token: refresh,
    }),
    accountId,
  };
}
