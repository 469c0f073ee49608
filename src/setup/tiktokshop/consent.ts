/**
 * The seller authorization link (docs/platforms/tiktokshop.md#authorization) and reading the code back from what the
 * seller pastes. The redirect URL itself is fixed in Partner Center; the link only carries service_id and our
 * `state`.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { MemoryTokenStore } from "../../auth/token-store.js";
import { type Config, DEFAULT_ENDPOINTS, type TiktokshopApp } from "../../config/index.js";
import { TkError } from "../../errors/index.js";
import { TikTokShopAuth } from "../../sources/tiktokshop/index.js";
import { serviceIdMissing, TTS_SETUP_ERR } from "./errors.js";

/** The real consent host (the Indonesian "Tokopedia & Shop" sellers use the rest-of-world host). */
export const CONSENT_HOST = "https://services.tiktokshop.com";

/** A fresh CSRF `state` for one authorization attempt. */
export function newConsentState(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * The link the seller opens. With the real token host configured the consent host is the real one; when
 * endpoints.tiktokshopAuth points elsewhere (the simulator serves both), the link uses that host too.
 */
export function consentLink(
  app: Pick<TiktokshopApp, "name" | "appKey" | "appSecret" | "serviceId">,
  config: Pick<Config, "endpoints">,
  state: string,
): string {
  if (!app.serviceId) throw serviceIdMissing(app.name);
  const auth = new TikTokShopAuth({
    appName: app.name,
    appKey: app.appKey,
    appSecret: app.appSecret,
    serviceId: app.serviceId,
    consentBaseUrl:
      config.endpoints.tiktokshopAuth === DEFAULT_ENDPOINTS.tiktokshopAuth
        ? CONSENT_HOST
        : config.endpoints.tiktokshopAuth,
    tokenStore: new MemoryTokenStore(),
  });
  return auth.consentUrl(state);
}

/**
 * The auth code from what the seller pasted: the bare code, or the whole redirect URL (then `state` is
 * checked and a refusal is reported).
 */
export function authCodeFromPaste(pasted: string, expectedState?: string): string {
  const text = pasted.trim();
  if (!/^https?:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  return authCodeFromRedirect(url.searchParams, expectedState);
}

/**
 * Reads `code`, `error` and `state` of a consent redirect (`code` and `state`, or `error=auth_denied` on refusal).
 */
export function authCodeFromRedirect(q: URLSearchParams, expectedState?: string): string {
  const code = q.get("code");
  const error = q.get("error");
  if (error || !code || code === "null") {
    throw new TkError(
      TTS_SETUP_ERR.CONSENT_DENIED,
      `The seller did not authorize the app${error ? ` (${error})` : ""}.`,
      { fix: "open the authorization link again and approve it with the shop owner account", exitCode: 1 },
    );
  }
  const state = q.get("state");
  // App Store authorizations carry no state: only a different state is refused.
  if (expectedState !== undefined && state !== null && !sameSecret(state, expectedState)) {
    throw new TkError(
      TTS_SETUP_ERR.CONSENT_STATE_MISMATCH,
      "The redirect carries a different `state` than the link tokokommo printed; the code was not used.",
      { fix: "open the authorization link printed in this run (not an older one) and approve again" },
    );
  }
  return code;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
