/**
 * Typed errors of the Tokopedia client (docs/errors.md, "Tokopedia" section). Every error carries a `fix`
 * and `details.retryable`; rate limits also carry `details.retryAfterMs`. Messages never contain secrets.
 */
import { TkError, type TkErrorCode } from "../../errors/index.js";

export const TK_CODES = {
  auth: "TK_ERR_TOKOPEDIA_AUTH",
  ipNotWhitelisted: "TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED",
  shopNotBound: "TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND",
  permission: "TK_ERR_TOKOPEDIA_PERMISSION",
  rateLimited: "TK_ERR_TOKOPEDIA_RATE_LIMITED",
  transient: "TK_ERR_TOKOPEDIA_TRANSIENT",
  notFound: "TK_ERR_TOKOPEDIA_NOT_FOUND",
  textTooLong: "TK_ERR_TOKOPEDIA_TEXT_TOO_LONG",
  badRequest: "TK_ERR_TOKOPEDIA_BAD_REQUEST",
  badResponse: "TK_ERR_TOKOPEDIA_BAD_RESPONSE",
} as const satisfies Record<string, TkErrorCode>;

export type TokopediaErrorKind = keyof typeof TK_CODES;

const FIXES: Record<TokopediaErrorKind, string> = {
  auth: "Check the app's client ID and client secret in the Tokopedia Developer Console and in the config (tokopedia.apps[].clientId/clientSecret).",
  ipNotWhitelisted:
    "Add this server's public egress IP to the app's IP whitelist in the Tokopedia Developer Console (or route calls through a whitelisted static-IP proxy).",
  shopNotBound:
    "Add the shop's domain under Shop Management in the Tokopedia Developer Console and have the shop owner accept the request (Seller Center > Aplikasi Pihak Ketiga).",
  permission: "Ask the shop owner to grant this app access to the chat API for the shop, then retry.",
  rateLimited:
    "Wait for the time in details.retryAfterMs and retry; lower the poll frequency if it keeps happening.",
  transient: "Tokopedia or the network failed for now; the call is retried with backoff.",
  notFound: "The chat room does not exist for this shop; the buyer must start the chat from Tokopedia first.",
  textTooLong: "Shorten the message (or split it) and send it again.",
  badRequest: "Check the shop ID and the parameters; this request will fail again unchanged.",
  badResponse:
    "Tokopedia answered with a body tokokommo cannot read; re-run with --log-level debug and report it.",
};

const RETRYABLE: Record<TokopediaErrorKind, boolean> = {
  auth: false,
  ipNotWhitelisted: false,
  shopNotBound: false,
  permission: false,
  rateLimited: true,
  transient: true,
  notFound: false,
  textTooLong: false,
  badRequest: false,
  badResponse: false,
};

export interface TokopediaErrorDetails {
  endpoint?: string;
  httpStatus?: number;
  errorCode?: string;
  reason?: string;
  retryAfterMs?: number;
  [key: string]: unknown;
}

export function tokopediaError(
  kind: TokopediaErrorKind,
  message: string,
  details: TokopediaErrorDetails = {},
  cause?: unknown,
): TkError {
  const clean: Record<string, unknown> = { retryable: RETRYABLE[kind] };
  for (const [k, v] of Object.entries(details)) if (v !== undefined && v !== "") clean[k] = v;
  return new TkError(TK_CODES[kind], message, {
    fix: FIXES[kind],
    details: clean,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Error codes (header.error_code) meaning "this fs_id is not bound to the shop"
 * (docs/platforms/tokopedia.md#errors).
 */
const SHOP_NOT_BOUND_CODES = new Set(["RBAC_MDLW_001", "ORD_USC_015", "RBAC_USC_008", "SHP_USC_001"]);
/** The shop owner has not granted this app the API. */
const PERMISSION_CODES = new Set(["RBAC_MDLW_002", "RBAC_USC_012"]);
const NOT_FOUND_CODES = new Set(["SHP_GRPC_003"]);
const TRANSIENT_CODES = new Set(["SHP_GRPC_001"]);

export interface FailedResponse {
  endpoint: string;
  httpStatus: number;
  /** error_code as a string ("" when absent or 0). */
  errorCode: string;
  messages: string;
  reason: string;
  retryAfterMs?: number;
}

/**
 * Maps a failed fs.tokopedia.net response to one typed error. Error codes win over HTTP status because Tokopedia
 * changed statuses over time (RBAC_MDLW_001 came with 500 before 2022-10 and 403 after). The IP-whitelist rejection
 * is undocumented (docs/platforms/tokopedia.md#ip-whitelist): any 403 whose text mentions a whitelist or an IP.
 */
export function mapFailure(f: FailedResponse): TkError {
  const base: TokopediaErrorDetails = {
    endpoint: f.endpoint,
    httpStatus: f.httpStatus,
    errorCode: f.errorCode,
    reason: f.reason || f.messages,
  };
  const text = `${f.messages} ${f.reason}`;
  const code = f.errorCode.toUpperCase();
  if (f.httpStatus === 429 || /TOO_MANY_REQUEST/.test(code)) {
    return tokopediaError("rateLimited", `Tokopedia rate limit reached on ${f.endpoint}`, {
      ...base,
      retryAfterMs: f.retryAfterMs ?? 1000,
    });
  }
  if (SHOP_NOT_BOUND_CODES.has(code)) {
    return tokopediaError("shopNotBound", "The shop is not bound to this Tokopedia app (fs_id)", base);
  }
  if (PERMISSION_CODES.has(code)) {
    return tokopediaError(
      "permission",
      "The shop has not granted this Tokopedia app permission for this API",
      base,
    );
  }
  if (f.httpStatus === 403 && /whitelist|\bip\b/i.test(text)) {
    return tokopediaError("ipNotWhitelisted", "Tokopedia refused the call: this IP is not whitelisted", base);
  }
  if (f.httpStatus === 401) {
    return tokopediaError("auth", "Tokopedia rejected the access token", base);
  }
  if (f.httpStatus === 403) {
    return tokopediaError("permission", `Tokopedia refused ${f.endpoint} (403)`, base);
  }
  if (f.httpStatus === 404 || NOT_FOUND_CODES.has(code)) {
    return tokopediaError("notFound", "Tokopedia does not know this chat room for the shop", base);
  }
  if (f.httpStatus >= 500 || TRANSIENT_CODES.has(code)) {
    return tokopediaError("transient", `Tokopedia failed on ${f.endpoint} (HTTP ${f.httpStatus})`, base);
  }
  if (/too long|too many char|max(imum)? length|exceed/i.test(text)) {
    return tokopediaError("textTooLong", "Tokopedia refused the message: it is too long", base);
  }
  return tokopediaError(
    "badRequest",
    `Tokopedia refused ${f.endpoint}: ${f.reason || f.messages || `HTTP ${f.httpStatus}`}`,
    base,
  );
}
