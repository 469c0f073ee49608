/**
 * Typed errors of the Kommo clients. Every error carries `details.retryable` (the engine's retry policy reads it)
 * and, for rate limits and outages, `details.retryAfterMs` when the platform said how long to wait.
 * Messages and details never contain tokens or secrets.
 */
import { TkError, type TkErrorCode } from "../errors/index.js";
import { parseRetryAfter } from "../net/retry-after.js";

export type KommoApi = "amojo" | "rest" | "oauth";

interface Ctx {
  api: KommoApi;
  method: string;
  /** Path without query (no secrets there: tokens travel in headers and bodies only). */
  path: string;
  status?: number;
  [key: string]: unknown;
}

function err(code: TkErrorCode, message: string, fix: string, retryable: boolean, ctx: Ctx, cause?: unknown) {
  return new TkError(code, message, {
    fix,
    details: { ...ctx, retryable },
    ...(cause === undefined ? {} : { cause }),
  });
}

export const kommoErrors = {
  badSignature: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_BAD_SIGNATURE",
      `Kommo Chats rejected the request signature (${ctx.method} ${ctx.path}).`,
      "Check the channel secret in the config (kommo.accounts[].channel.secret) and that this machine's clock is right (the Date header is valid 15 minutes).",
      false,
      ctx,
    ),
  notRegistered: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_NOT_REGISTERED",
      `Kommo Chats does not know this channel or scope (${ctx.method} ${ctx.path}).`,
      "Check the channel id, and connect the channel to the account again (tokokommo init); a reinstalled integration must be reconnected.",
      false,
      ctx,
    ),
  forbidden: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_FORBIDDEN",
      `Kommo refused the request (${ctx.method} ${ctx.path}, HTTP ${ctx.status}).`,
      "The channel is not allowed for this account or the user lacks rights; ask Kommo support to add the account to the channel, or authorize as an admin.",
      false,
      ctx,
    ),
  notFound: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_NOT_FOUND",
      `Kommo has no such object (${ctx.method} ${ctx.path}).`,
      "The chat, message or record no longer exists in Kommo (or belongs to another account); nothing to retry.",
      false,
      ctx,
    ),
  badRequest: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_BAD_REQUEST",
      `Kommo rejected the request data (${ctx.method} ${ctx.path}).`,
      "This is a bridge bug or an unexpected value; see details.body and report it with `--log-level debug` output.",
      false,
      ctx,
    ),
  duplicateMessage: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_DUPLICATE_MESSAGE",
      `Kommo already has a message with this msgid (${ctx.path}).`,
      "The message was delivered before (its response was lost); it is not sent twice. Reconcile the chat with its history if the amojo ids are needed.",
      false,
      ctx,
    ),
  rateLimited: (ctx: Ctx & { retryAfterMs: number }) =>
    err(
      "TK_ERR_KOMMO_RATE_LIMITED",
      `Kommo rate limit hit (${ctx.method} ${ctx.path}, HTTP 429).`,
      "Wait and retry; keep below 7 requests per second per account. Repeated violations get the integration blocked.",
      true,
      ctx,
    ),
  blocked: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_BLOCKED",
      `Kommo answers 403 to the REST API: the integration is blocked or lacks rights (${ctx.method} ${ctx.path}).`,
      "Stop the bridge's REST calls; if the account was blocked for exceeding 7 requests/s, ask Kommo support to lift it; otherwise authorize with an admin user.",
      false,
      ctx,
    ),
  paymentRequired: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_PAYMENT_REQUIRED",
      `Kommo answered 402 Payment Required (${ctx.method} ${ctx.path}).`,
      "The Kommo account's subscription has lapsed; renew it in Kommo, then run tokokommo doctor.",
      false,
      ctx,
    ),
  unauthorized: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_UNAUTHORIZED",
      `Kommo rejected the access token (${ctx.method} ${ctx.path}, HTTP 401).`,
      "Create a new long-lived token in the integration's Keys and scopes tab, or authorize the integration again (tokokommo init).",
      false,
      ctx,
    ),
  notAuthorized: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_NOT_AUTHORIZED",
      "No Kommo OAuth tokens are stored for this account yet.",
      "Authorize the integration (tokokommo init), which exchanges the authorization code for tokens.",
      false,
      ctx,
    ),
  reauthorize: (ctx: Ctx & { hint?: string }) =>
    err(
      "TK_ERR_KOMMO_REAUTHORIZE",
      `Kommo refused the OAuth grant${ctx.hint ? ` (${ctx.hint})` : ""}; the stored authorization is no longer usable.`,
      "Authorize the integration again in Kommo (tokokommo init): authorization codes live 20 minutes and refresh tokens are single-use.",
      false,
      ctx,
    ),
  unavailable: (ctx: Ctx & { retryAfterMs?: number }, cause?: unknown) =>
    err(
      "TK_ERR_KOMMO_UNAVAILABLE",
      ctx.status
        ? `Kommo answered HTTP ${ctx.status} (${ctx.method} ${ctx.path}).`
        : `Kommo could not be reached (${ctx.method} ${ctx.path}).`,
      "Temporary: the call is retried with backoff. If it persists, check network access to Kommo and status.kommo.com.",
      true,
      ctx,
      cause,
    ),
  unexpected: (ctx: Ctx) =>
    err(
      "TK_ERR_KOMMO_UNEXPECTED_RESPONSE",
      `Kommo answered in an unexpected way (${ctx.method} ${ctx.path}, HTTP ${ctx.status}).`,
      "Retry later; if it persists, report it with the `--log-level debug` output.",
      true,
      ctx,
    ),
};

/** Retry-After in ms from an HTTP header (delta-seconds or HTTP-date, capped; see net/retry-after.ts). */
export function retryAfterFromHeader(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  return parseRetryAfter(value, now);
}

/** A failed HTTP exchange with one of Kommo's APIs, as the error mappers (amojo-errors.ts, rest-errors.ts) read it. */
export interface KommoHttpFailure {
  method: string;
  /** Path without query (no secrets there). */
  path: string;
  status: number;
  bodyText: string;
  retryAfterHeader: string | string[] | undefined;
}

/**
 * The part of the mapping both APIs share, decided by the status alone once the API's own cases are done: 429 is
 * a rate limit (waiting `retryAfterMs`, else `default429Ms`), 5xx an outage (with Kommo's wait when it gave one),
 * anything else unexpected. (A wait of 0 and no wait are the same to the job scheduler.)
 */
export function throttledOrDown(
  ctx: Ctx,
  status: number,
  retryAfterMs: number | undefined,
  default429Ms: number,
): TkError {
  if (status === 429) return kommoErrors.rateLimited({ ...ctx, retryAfterMs: retryAfterMs ?? default429Ms });
  if (status >= 500)
    return kommoErrors.unavailable({ ...ctx, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  return kommoErrors.unexpected(ctx);
}

/** Body excerpt for details: bounded, so an HTML error page does not flood the logs. */
export function excerpt(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
