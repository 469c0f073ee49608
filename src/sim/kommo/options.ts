/** What a Kommo simulator can be started with: its clock, token lifetimes, rate limits and reply webhooks. */
import type { BodyMode } from "./reply.js";

export interface KommoSimulatorOptions {
  /** Clock for Date checks and token lifetimes (not for rate limiting, which always uses real time). */
  now?: () => number;
  /** Signature validity around Date, default 15 minutes. */
  dateWindowMs?: number;
  /** Access token lifetime, default 86400 s. */
  accessTokenTtlSec?: number;
  /** Authorization code lifetime, default 20 minutes. */
  authCodeTtlMs?: number;
  /** Refresh token lifetime, default 90 days. */
  refreshTokenTtlMs?: number;
  rateLimit?: {
    /** Requests per window per account, default 7. */
    rps?: number;
    /** Window length, default 1000 ms. */
    windowMs?: number;
    /** Consecutive 429s after which the account is blocked (403 on every call), default 10. */
    blockAfter?: number;
    /** Body of 429 answers: documented JSON (default), gateway HTML, or empty. */
    body429?: BodyMode;
    /** Body of 403 block answers, default "json". */
    body403?: BodyMode;
  };
  /** What a repeated msgid gets: "reject" (400, default) or "idempotent" (the first answer again). */
  duplicateMsgid?: "reject" | "idempotent";
  /** How long a reply webhook waits for the bridge, default 5000 ms (then it is lost: no retry). */
  webhookTimeoutMs?: number;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}
