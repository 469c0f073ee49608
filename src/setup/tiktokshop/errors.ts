/**
 * Errors of the TikTok Shop setup path (binding sellers, the consent link, the redirect listener). Platform
 * failures keep the client's own codes (TK_ERR_TIKTOKSHOP_*, src/sources/tiktokshop/errors.ts); these cover
 * what only setup can get wrong. User-facing names say "Tokopedia & Shop".
 */
import { TkError } from "../../errors/index.js";

export const TTS_SETUP_ERR = {
  APP_UNKNOWN: "TK_ERR_TIKTOKSHOP_APP_UNKNOWN",
  KOMMO_ACCOUNT_UNKNOWN: "TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN",
  NO_SHOPS: "TK_ERR_TIKTOKSHOP_NO_SHOPS",
  SHOP_BOUND_ELSEWHERE: "TK_ERR_TIKTOKSHOP_SHOP_BOUND_ELSEWHERE",
  SERVICE_ID_MISSING: "TK_ERR_TIKTOKSHOP_SERVICE_ID_MISSING",
  CONSENT_DENIED: "TK_ERR_TIKTOKSHOP_CONSENT_DENIED",
  CONSENT_STATE_MISMATCH: "TK_ERR_TIKTOKSHOP_CONSENT_STATE_MISMATCH",
  CONSENT_TIMEOUT: "TK_ERR_TIKTOKSHOP_CONSENT_TIMEOUT",
  REDIRECT_LISTEN: "TK_ERR_TIKTOKSHOP_REDIRECT_LISTEN",
  CREDENTIALS_INVALID: "TK_ERR_TIKTOKSHOP_CREDENTIALS_INVALID",
} as const;

export function appUnknown(app: string, known: string[], configPath?: string): TkError {
  return new TkError(
    TTS_SETUP_ERR.APP_UNKNOWN,
    `"${app}" is not an app in tiktokshop.apps${configPath ? ` of ${configPath}` : ""} (names: ${known.join(", ") || "none"}).`,
    {
      exitCode: 2,
      fix: "pass --app with one of those names, or add the app (appKey, appSecret, serviceId) with `tokokommo init`",
      details: { app, known },
    },
  );
}

export function kommoAccountUnknown(account: string, known: string[]): TkError {
  return new TkError(
    TTS_SETUP_ERR.KOMMO_ACCOUNT_UNKNOWN,
    `"${account}" is not a Kommo account in kommo.accounts (names: ${known.join(", ") || "none"}).`,
    {
      exitCode: 2,
      fix: "pass --kommo-account with one of those names, or add the account with `tokokommo init`",
      details: { kommoAccount: account, known },
    },
  );
}

export function serviceIdMissing(app: string): TkError {
  return new TkError(
    TTS_SETUP_ERR.SERVICE_ID_MISSING,
    `The Tokopedia & Shop app "${app}" has no serviceId, so its authorization link cannot be built.`,
    {
      exitCode: 2,
      fix: "copy the service id from Partner Center (app → Authorization → Copy authorization link, the service_id parameter) into tiktokshop.apps[].serviceId",
      details: { app },
    },
  );
}
