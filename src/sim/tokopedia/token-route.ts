/**
 * `POST /token` of the simulated accounts host (docs/platforms/tokopedia.md#authentication): Basic auth, grant_type
 * in the query or a form body, one live token per client. Asking again before expiry returns the same token with its
 * remaining lifetime (the "new token only after expiry" rule, read as an assumption).
 */
import type { SimAnswer } from "./handlers.js";
import type { SimWorld } from "./state.js";

export interface TokenStats {
  minted: number;
  reused: number;
  rejected: number;
}

export function tokenRequest(
  world: SimWorld,
  stats: TokenStats,
  ttlSeconds: number,
  req: { method: string; authorization: string; grantType: string | null },
): SimAnswer {
  if (req.method !== "POST")
    return { status: 405, body: { error: "invalid_request", error_description: "method not allowed" } };
  if (req.grantType !== "client_credentials") {
    return {
      status: 400,
      body: { error: "unsupported_grant_type", error_description: "grant_type must be client_credentials" },
    };
  }
  const decoded = req.authorization.startsWith("Basic ")
    ? Buffer.from(req.authorization.slice(6), "base64").toString("utf8")
    : "";
  const colon = decoded.indexOf(":");
  const id = colon < 0 ? "" : decoded.slice(0, colon);
  const secret = colon < 0 ? "" : decoded.slice(colon + 1);
  const app = world.apps.find((a) => a.clientId === id && a.clientSecret === secret && !a.revoked);
  if (!app) {
    // Body shape is an assumption (undocumented).
    stats.rejected++;
    return {
      status: 401,
      body: { error: "invalid_client", error_description: "client authentication failed" },
    };
  }
  const now = world.now();
  if (app.token && now < app.token.expiresAt) {
    stats.reused++;
  } else {
    stats.minted++;
    app.token = { value: world.mintToken(), expiresAt: now + ttlSeconds * 1000 };
  }
  return {
    status: 200,
    body: {
      access_token: app.token.value,
      event_code: "",
      expires_in: Math.floor((app.token.expiresAt - now) / 1000),
      last_login_type: "8",
      sq_check: false,
      token_type: "Bearer",
    },
  };
}
