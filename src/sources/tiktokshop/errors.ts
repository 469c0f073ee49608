/**
 * Typed TikTok Shop errors (docs/platforms/tiktokshop.md#envelope-and-errors). Every platform failure becomes a TkError
 * with a stable code, a fix sentence and `details` { platformCode, httpStatus, requestId, retryable,
 * retryAfterMs? }. The engine decides on retries from `details.retryable` alone.
 * User-facing names say "Tokopedia & Shop" (Indonesian branding rule, docs/platforms/tiktokshop.md#branding).
 */
import { TkError, type TkErrorCode } from "../../errors/index.js";

export const TTS_ERR = {
  TOKEN_EXPIRED: "TK_ERR_TIKTOKSHOP_TOKEN_EXPIRED",
  TOKEN_INVALID: "TK_ERR_TIKTOKSHOP_TOKEN_INVALID",
  REAUTH_NEEDED: "TK_ERR_TIKTOKSHOP_REAUTH_NEEDED",
  NOT_AUTHORIZED: "TK_ERR_TIKTOKSHOP_NOT_AUTHORIZED",
  AUTH_CODE_INVALID: "TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID",
  SCOPE_MISSING: "TK_ERR_TIKTOKSHOP_SCOPE_MISSING",
  IP_NOT_ALLOWED: "TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED",
  SIGNATURE_INVALID: "TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID",
  SHOP_MISMATCH: "TK_ERR_TIKTOKSHOP_SHOP_MISMATCH",
  SHOP_UNKNOWN: "TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN",
  CANNOT_MESSAGE_BUYER: "TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER",
  SENSITIVE_WORDS: "TK_ERR_TIKTOKSHOP_SENSITIVE_WORDS",
  NO_PERMISSION: "TK_ERR_TIKTOKSHOP_NO_PERMISSION",
  NOT_FOUND: "TK_ERR_TIKTOKSHOP_NOT_FOUND",
  RATE_LIMITED: "TK_ERR_TIKTOKSHOP_RATE_LIMITED",
  QUOTA_EXCEEDED: "TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED",
  QUOTA_RESERVED: "TK_ERR_TIKTOKSHOP_QUOTA_RESERVED",
  TRANSIENT: "TK_ERR_TIKTOKSHOP_TRANSIENT",
  IMAGE_REJECTED: "TK_ERR_TIKTOKSHOP_IMAGE_REJECTED",
  BAD_RESPONSE: "TK_ERR_TIKTOKSHOP_BAD_RESPONSE",
  EMPTY_MESSAGE: "TK_ERR_TIKTOKSHOP_EMPTY_MESSAGE",
  API: "TK_ERR_TIKTOKSHOP_API",
} as const satisfies Record<string, TkErrorCode>;

export type TtsErrorCode = (typeof TTS_ERR)[keyof typeof TTS_ERR];

/** Platform failure as read from the response, before mapping. */
export interface PlatformFailure {
  platformCode?: number;
  message?: string;
  httpStatus?: number;
  requestId?: string;
  /** From a Retry-After header, when present. */
  retryAfterMs?: number;
  path?: string;
}

const DEFAULT_RATE_RETRY_MS = 1_000;
const DEFAULT_QUOTA_RETRY_MS = 60 * 60 * 1000;
const DEFAULT_TRANSIENT_RETRY_MS = 2_000;

function make(
  code: TtsErrorCode,
  message: string,
  fix: string,
  f: PlatformFailure,
  retry: { retryable: boolean; retryAfterMs?: number },
): TkError {
  return new TkError(code, message, {
    fix,
    details: {
      ...(f.platformCode !== undefined ? { platformCode: f.platformCode } : {}),
      ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
      ...(f.requestId ? { requestId: f.requestId } : {}),
      ...(f.path ? { path: f.path } : {}),
      retryable: retry.retryable,
      ...(retry.retryAfterMs !== undefined ? { retryAfterMs: retry.retryAfterMs } : {}),
    },
  });
}

/** Maps a failed API response (non-zero `code`, or a non-2xx status without a usable body). */
export function mapApiFailure(f: PlatformFailure): TkError {
  const code = f.platformCode;
  const msg = (f.message ?? "").toLowerCase();
  const said = f.message ? ` (platform said: ${f.message})` : "";
  switch (code) {
    case 105002:
      return make(
        TTS_ERR.TOKEN_EXPIRED,
        "Tokopedia & Shop access token expired.",
        "tokokommo refreshes it automatically; if this persists, re-authorize the seller with the consent link.",
        f,
        { retryable: true, retryAfterMs: 0 },
      );
    case 105005:
      return make(
        TTS_ERR.SCOPE_MISSING,
        "Tokopedia & Shop denied access: the app or the seller's authorization lacks the Customer Service scope.",
        "Get the Customer Service API (seller.customer_service) approved for the app in Partner Center, then have the seller re-authorize.",
        f,
        { retryable: false },
      );
    case 36009033:
      return make(
        TTS_ERR.IP_NOT_ALLOWED,
        "Tokopedia & Shop refused the call: this server's IP is not in the app's IP allow list.",
        "Add the server's public (egress) IP to the app's IP allow list in Partner Center.",
        f,
        { retryable: false },
      );
    case 106001:
      return make(
        TTS_ERR.SIGNATURE_INVALID,
        "Tokopedia & Shop rejected the request signature.",
        "Check the app secret in the configuration; if it is right, report this as a bug.",
        f,
        { retryable: false },
      );
    case 101000:
      return make(
        TTS_ERR.SHOP_MISMATCH,
        "Tokopedia & Shop says the access token does not belong to this shop (shop_cipher).",
        "Re-run `tokokommo shops add --source tiktokshop` for this shop so its cipher and seller token are refreshed.",
        f,
        { retryable: false },
      );
    case 45109001:
    case 45109003:
      return make(
        TTS_ERR.CANNOT_MESSAGE_BUYER,
        "Tokopedia & Shop does not allow the shop to message this buyer now (the buyer must have chatted in the last 30 days or ordered in the last 60 days).",
        "Wait for the customer to write again; the shop cannot start or continue this chat until then.",
        f,
        { retryable: false },
      );
    case 45101006:
      return make(
        TTS_ERR.SENSITIVE_WORDS,
        "Tokopedia & Shop refused the message because it contains words its policy does not allow.",
        "Rephrase the reply without the flagged words (links, contact details and prohibited terms are typical) and send it again.",
        f,
        { retryable: false },
      );
    case 45102007:
      return make(
        TTS_ERR.NO_PERMISSION,
        "Tokopedia & Shop says the shop account has no permission for this conversation.",
        "Make sure the seller authorized the owner account and that the chat is assigned to it in Seller Center.",
        f,
        { retryable: false },
      );
    case 45101003:
      return make(
        TTS_ERR.NOT_FOUND,
        "Tokopedia & Shop could not find this conversation or message.",
        "The chat may have been removed on the marketplace; nothing to do unless it keeps happening.",
        f,
        { retryable: false },
      );
    case 45101004:
      return make(
        TTS_ERR.QUOTA_EXCEEDED,
        "Tokopedia & Shop daily Customer Service quota is used up (10,000 calls per day).",
        "Lower the polling frequency (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets.",
        f,
        { retryable: true, retryAfterMs: f.retryAfterMs ?? DEFAULT_QUOTA_RETRY_MS },
      );
    case 36009002:
      return rateLimited(f);
    case 36009003:
    case 36009007:
      return transient(f);
    case 36004004:
      return make(
        TTS_ERR.AUTH_CODE_INVALID,
        "Tokopedia & Shop rejected the authorization code (it is single-use and valid for 30 minutes).",
        "Open the seller consent link again and use the new code at once.",
        f,
        { retryable: false },
      );
    case 36009004:
      if (/token/.test(msg)) {
        return make(
          TTS_ERR.TOKEN_INVALID,
          "Tokopedia & Shop rejected the access token.",
          "Re-authorize the seller with the consent link (`tokokommo shops add --source tiktokshop --auth-code ...`).",
          f,
          { retryable: false },
        );
      }
      break;
    default:
      break;
  }
  if (code === undefined || code === 0) {
    if (f.httpStatus === 429) return rateLimited(f);
    if (f.httpStatus === undefined || f.httpStatus >= 500) return transient(f);
  }
  return make(
    TTS_ERR.API,
    `Tokopedia & Shop API call failed${code !== undefined ? ` with code ${code}` : ""}${said}.`,
    "Check the request id in the details with Partner Center support if it keeps failing.",
    f,
    { retryable: false },
  );
}

export function rateLimited(f: PlatformFailure): TkError {
  return make(
    TTS_ERR.RATE_LIMITED,
    "Tokopedia & Shop rate limit reached (too many requests per second for this shop).",
    "tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers.",
    f,
    { retryable: true, retryAfterMs: f.retryAfterMs ?? DEFAULT_RATE_RETRY_MS },
  );
}

export function transient(f: PlatformFailure, cause?: unknown): TkError {
  const err = make(
    TTS_ERR.TRANSIENT,
    "Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error).",
    "tokokommo retries with backoff; check the server's network if it persists.",
    f,
    { retryable: true, retryAfterMs: f.retryAfterMs ?? DEFAULT_TRANSIENT_RETRY_MS },
  );
  if (cause !== undefined) Object.defineProperty(err, "cause", { value: cause });
  return err;
}

export function reauthNeeded(openId: string, reason: string): TkError {
  return new TkError(
    TTS_ERR.REAUTH_NEEDED,
    `The Tokopedia & Shop seller ${openId} must authorize tokokommo again (${reason}).`,
    {
      fix: "Open the seller consent link, approve, and run `tokokommo shops add --source tiktokshop --auth-code CODE`.",
      details: { openId, retryable: false },
    },
  );
}

export function notAuthorized(key: string): TkError {
  return new TkError(TTS_ERR.NOT_AUTHORIZED, `No Tokopedia & Shop seller token is stored (${key}).`, {
    fix: "Authorize the seller: run `tokokommo shops add --source tiktokshop --auth-code CODE`.",
    details: { tokenKey: key, retryable: false },
  });
}
