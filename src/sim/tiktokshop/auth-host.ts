/**
 * The simulated auth host (docs/platforms/tiktokshop.md#authorization): consent page stub, token/get and
 * token/refresh. Unsigned GETs with the app secret in the query; expiries are absolute Unix seconds; codes are
 * single-use and short-lived.
 */
import type { SimAnswer } from "../base/index.js";
import type { SimCore } from "./core.js";
import { opaque, type SimToken } from "./state.js";
import { envelope } from "./wire.js";

function tokenData(core: SimCore, t: SimToken): Record<string, unknown> {
  const seller = core.state.sellers.get(t.openId)!;
  return {
    access_token: t.accessToken,
    access_token_expire_in: t.accessExpiresAt,
    refresh_token: t.refreshToken,
    refresh_token_expire_in: t.refreshExpiresAt,
    open_id: t.openId,
    seller_name: seller.name,
    seller_base_region: seller.region,
    user_type: seller.userType,
    granted_scopes: [...seller.scopes],
  };
}

export function issueToken(core: SimCore, openId: string, refreshExpiresAt?: number): SimToken {
  const now = core.nowSec();
  const t: SimToken = {
    accessToken: opaque("TTP_"),
    refreshToken: opaque("TTP_", 32),
    openId,
    accessExpiresAt: now + core.opts.accessTokenLifetimeSec,
    refreshExpiresAt: refreshExpiresAt ?? now + core.opts.refreshTokenLifetimeSec,
    refreshUsed: false,
    revoked: false,
  };
  core.state.tokens.set(t.accessToken, t);
  core.state.tokensByRefresh.set(t.refreshToken, t);
  return t;
}

/** An auth-host answer and the platform code it carries (for the call log). */
export interface AuthHostAnswer {
  answer: SimAnswer;
  code: number;
}

/** The auth-host paths the simulator serves (any method, as the handlers do not look at it). */
export const AUTH_HOST_PATHS = ["/open/authorize", "/api/v2/token/get", "/api/v2/token/refresh"];

/** Handles auth-host paths; returns false when the path is not one of them. */
export function handleAuthHost(core: SimCore, path: string, q: URLSearchParams): AuthHostAnswer | false {
  // The token host says "success" in lower case, and answers its errors with 200.
  const reply = (code: number, message: string, data: unknown = {}): AuthHostAnswer => ({
    answer: envelope(code, code === 0 ? "success" : message, data, { status: 200 }),
    code,
  });

  if (path === "/open/authorize") {
    const seller = [...core.state.sellers.values()].filter((s) => !s.deauthorized).pop();
    const target = core.opts.redirectUrl;
    if (q.get("service_id") !== core.opts.serviceId || !target) {
      return {
        answer: {
          status: 400,
          headers: { "content-type": "text/plain" },
          body: "invalid service_id or no redirect URL configured",
        },
        code: 400,
      };
    }
    const redirect = new URL(target);
    if (seller) redirect.searchParams.set("code", createAuthCode(core, seller.openId));
    else {
      redirect.searchParams.set("code", "null");
      redirect.searchParams.set("error", "auth_denied");
    }
    const state = q.get("state");
    if (state !== null) redirect.searchParams.set("state", state);
    return { answer: { status: 302, headers: { location: redirect.toString() } }, code: 0 };
  }

  if (path !== "/api/v2/token/get" && path !== "/api/v2/token/refresh") return false;
  if (q.get("app_key") !== core.opts.appKey || q.get("app_secret") !== core.opts.appSecret) {
    return reply(36009004, "Invalid credentials. Invalid 'app_key' or 'app_secret' query parameter.");
  }

  if (path === "/api/v2/token/get") {
    if (q.get("grant_type") !== "authorized_code")
      return reply(36004004, "grant_type must be authorized_code");
    const code = core.state.codes.get(q.get("auth_code") ?? "");
    if (!code || code.used || code.expiresAt < core.nowSec()) return reply(36004004, "invalid auth code");
    code.used = true;
    const seller = core.state.sellers.get(code.openId);
    if (!seller || seller.deauthorized) return reply(36004004, "invalid auth code");
    return reply(0, "", tokenData(core, issueToken(core, seller.openId)));
  }

  if (q.get("grant_type") !== "refresh_token") return reply(36004004, "grant_type must be refresh_token");
  const old = core.state.tokensByRefresh.get(q.get("refresh_token") ?? "");
  if (!old || old.revoked || (old.refreshUsed && core.opts.singleUseRefreshTokens)) {
    return reply(36004005, "The refresh token is invalid or has been used.");
  }
  if (old.refreshExpiresAt < core.nowSec()) return reply(36004006, "The refresh token has expired.");
  const seller = core.state.sellers.get(old.openId);
  if (!seller || seller.deauthorized) return reply(36004005, "The refresh token is invalid.");
  old.refreshUsed = true;
  // A refresh never extends the authorization itself: the refresh expiry stays the same.
  return reply(0, "", tokenData(core, issueToken(core, old.openId, old.refreshExpiresAt)));
}

export function createAuthCode(core: SimCore, openId: string): string {
  const code = opaque("TTP_", 16);
  core.state.codes.set(code, {
    code,
    openId,
    expiresAt: core.nowSec() + core.opts.authCodeLifetimeSec,
    used: false,
  });
  return code;
}
