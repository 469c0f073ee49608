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

/** How a platform code maps to a TkError: the code, the operator's sentences and whether to retry. */
interface FailureSpec {
  code: TtsErrorCode;
  message: string;
  fix: string;
  retryable: boolean;
  /** Delay before the retry; absent: the engine's own backoff. */
  retryAfterMs?: (f: PlatformFailure) => number;
  /** Applies only when the platform's message matches (one platform code stands for several causes). */
  messageMatches?: RegExp;
}

const RATE_LIMITED: FailureSpec = {
  code: TTS_ERR.RATE_LIMITED,
  message: "Tokopedia & Shop rate limit reached (too many requests per second for this shop).",
  fix: "tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers.",
  retryable: true,
  retryAfterMs: (f) => f.retryAfterMs ?? DEFAULT_RATE_RETRY_MS,
};

const TRANSIENT: FailureSpec = {
  code: TTS_ERR.TRANSIENT,
  message: "Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error).",
  fix: "tokokommo retries with backoff; check the server's network if it persists.",
  retryable: true,
  retryAfterMs: (f) => f.retryAfterMs ?? DEFAULT_TRANSIENT_RETRY_MS,
};

const CANNOT_MESSAGE_BUYER: FailureSpec = {
  code: TTS_ERR.CANNOT_MESSAGE_BUYER,
  message:
    "Tokopedia & Shop does not allow the shop to message this buyer now (the buyer must have chatted in the last 30 days or ordered in the last 60 days).",
  fix: "Wait for the customer to write again; the shop cannot start or continue this chat until then.",
  retryable: false,
};

/** Platform codes with a meaning of their own (docs/platforms/tiktokshop.md#envelope-and-errors). */
const API_FAILURES: ReadonlyMap<number, FailureSpec> = new Map<number, FailureSpec>([
  [
    105002,
    {
      code: TTS_ERR.TOKEN_EXPIRED,
      message: "Tokopedia & Shop access token expired.",
      fix: "tokokommo refreshes it automatically; if this persists, re-authorize the seller with the consent link.",
      retryable: true,
      retryAfterMs: () => 0,
    },
  ],
  [
    105005,
    {
      code: TTS_ERR.SCOPE_MISSING,
      message:
        "Tokopedia & Shop denied access: the app or the seller's authorization lacks the Customer Service scope.",
      fix: "Get the Customer Service API (seller.customer_service) approved for the app in Partner Center, then have the seller re-authorize.",
      retryable: false,
    },
  ],
  [
    36009033,
    {
      code: TTS_ERR.IP_NOT_ALLOWED,
      message: "Tokopedia & Shop refused the call: this server's IP is not in the app's IP allow list.",
      fix: "Add the server's public (egress) IP to the app's IP allow list in Partner Center.",
      retryable: false,
    },
  ],
  [
    106001,
    {
      code: TTS_ERR.SIGNATURE_INVALID,
      message: "Tokopedia & Shop rejected the request signature.",
      fix: "Check the app secret in the configuration; if it is right, report this as a bug.",
      retryable: false,
    },
  ],
  [
    101000,
    {
      code: TTS_ERR.SHOP_MISMATCH,
      message: "Tokopedia & Shop says the access token does not belong to this shop (shop_cipher).",
      fix: "Re-run `tokokommo shops add --source tiktokshop` for this shop so its cipher and seller token are refreshed.",
      retryable: false,
    },
  ],
  [45109001, CANNOT_MESSAGE_BUYER],
  [45109003, CANNOT_MESSAGE_BUYER],
  [
    45101006,
    {
      code: TTS_ERR.SENSITIVE_WORDS,
      message: "Tokopedia & Shop refused the message because it contains words its policy does not allow.",
      fix: "Rephrase the reply without the flagged words (links, contact details and prohibited terms are typical) and send it again.",
      retryable: false,
    },
  ],
  [
    45102007,
    {
      code: TTS_ERR.NO_PERMISSION,
      message: "Tokopedia & Shop says the shop account has no permission for this conversation.",
      fix: "Make sure the seller authorized the owner account and that the chat is assigned to it in Seller Center.",
      retryable: false,
    },
  ],
  [
    45101003,
    {
      code: TTS_ERR.NOT_FOUND,
      message: "Tokopedia & Shop could not find this conversation or message.",
      fix: "The chat may have been removed on the marketplace; nothing to do unless it keeps happening.",
      retryable: false,
    },
  ],
  [
    45101004,
    {
      code: TTS_ERR.QUOTA_EXCEEDED,
      message: "Tokopedia & Shop daily Customer Service quota is used up (10,000 calls per day).",
      fix: "Lower the polling frequency (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets.",
      retryable: true,
      retryAfterMs: (f) => f.retryAfterMs ?? DEFAULT_QUOTA_RETRY_MS,
    },
  ],
  [36009002, RATE_LIMITED],
  [36009003, TRANSIENT],
  [36009007, TRANSIENT],
  [
    36004004,
    {
      code: TTS_ERR.AUTH_CODE_INVALID,
      message:
        "Tokopedia & Shop rejected the authorization code (it is single-use and valid for 30 minutes).",
      fix: "Open the seller consent link again and use the new code at once.",
      retryable: false,
    },
  ],
  [
    36009004,
    {
      code: TTS_ERR.TOKEN_INVALID,
      message: "Tokopedia & Shop rejected the access token.",
      fix: "Re-authorize the seller with the consent link (`tokokommo shops add --source tiktokshop --auth-code ...`).",
      retryable: false,
      messageMatches: /token/i,
    },
  ],
]);

function fromSpec(spec: FailureSpec, f: PlatformFailure): TkError {
  return make(spec.code, spec.message, spec.fix, f, {
    retryable: spec.retryable,
    ...(spec.retryAfterMs ? { retryAfterMs: spec.retryAfterMs(f) } : {}),
  });
}

/** Maps a failed API response (non-zero `code`, or a non-2xx status without a usable body). */
export function mapApiFailure(f: PlatformFailure): TkError {
  const code = f.platformCode;
  const spec = code !== undefined ? API_FAILURES.get(code) : undefined;
  if (spec && (!spec.messageMatches || spec.messageMatches.test(f.message ?? ""))) return fromSpec(spec, f);
  if (code === undefined || code === 0) {
    if (f.httpStatus === 429) return rateLimited(f);
    if (f.httpStatus === undefined || f.httpStatus >= 500) return transient(f);
  }
  const said = f.message ? ` (platform said: ${f.message})` : "";
  return make(
    TTS_ERR.API,
    `Tokopedia & Shop API call failed${code !== undefined ? ` with code ${code}` : ""}${said}.`,
    "Check the request id in the details with Partner Center support if it keeps failing.",
    f,
    { retryable: false },
  );
}

export function rateLimited(f: PlatformFailure): TkError {
  return fromSpec(RATE_LIMITED, f);
}

export function transient(f: PlatformFailure, cause?: unknown): TkError {
  const err = fromSpec(TRANSIENT, f);
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
