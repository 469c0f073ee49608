/**
 * How the engine reacts to a failure, read from the error catalogue (src/errors/codes.ts), never from the
 * spelling of a code. Clients raise TkError; a raising site may set `details.retryable` for one instance and, for
 * rate limits, `details.retryAfterMs`. Anything else (a bug, an unexpected network error) is TK_ERR_INTERNAL and
 * retryable, because a job retried until its budget runs out and then parked as dead is visible and recoverable,
 * while a job dropped on the first surprise is lost.
 */
import { errorSpec, isTkError, type ManagerText, type TkErrorCode } from "../errors/index.js";

export interface ClassifiedError {
  retryable: boolean;
  retryAfterMs?: number;
  code: TkErrorCode;
  message: string;
}

export function classifyError(err: unknown): ClassifiedError {
  if (isTkError(err)) {
    const d = err.details ?? {};
    const explicit = typeof d.retryable === "boolean" ? d.retryable : undefined;
    const retryAfterMs = typeof d.retryAfterMs === "number" ? d.retryAfterMs : undefined;
    return {
      retryable: explicit ?? errorSpec(err.code).retryable,
      code: err.code,
      message: err.message,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const e = err as { message?: string } | undefined;
  return { retryable: true, code: "TK_ERR_INTERNAL", message: e?.message ?? String(err) };
}

/** The platform's daily call quota (or the bridge's own budget of it) stops reads until its reset. */
export function isQuotaStop(err: unknown): boolean {
  return errorSpec(classifyError(err).code).category === "quota";
}

/** A permanent "no such chat or message" answer from the platform. */
export function isPermanentNotFound(err: unknown): boolean {
  const c = classifyError(err);
  return !c.retryable && errorSpec(c.code).category === "not-found";
}

/** The platform already has what was sent (Kommo refusing a msgid it has): the earlier attempt went through. */
export function isDuplicateError(err: unknown): boolean {
  return isTkError(err) && errorSpec(err.code).duplicate === true;
}

/**
 * Whether a send that failed with this code (a job's recorded last error) may have reached the platform anyway:
 * timeouts, dropped connections, crashes.
 */
export function mayHaveBeenSent(code: string): boolean {
  return errorSpec(code).maybeSent === true;
}

/** The manager's texts: written for a salesperson, not an engineer; what happened and what to do. */
const MANAGER_TEXTS: Record<ManagerText, (name: string, message: string) => string | undefined> = {
  notBound: (n) =>
    `Not sent: the shop is not (or no longer) connected to the ${n} app. Ask your admin to run \`tokokommo doctor\`.`,
  ipRefused: (n) =>
    `Not sent: ${n} refused the bridge server's IP address. Ask your admin to run \`tokokommo doctor\`.`,
  credentials: (n) =>
    `Not sent: ${n} rejected the bridge's credentials. Ask your admin to run \`tokokommo doctor\`.`,
  tooLong: (n) => `Not sent: the message is too long for ${n}. Shorten it and send again.`,
  cannotMessage: (n) =>
    `Not sent: ${n} no longer allows messages to this buyer: a shop may only write to buyers who chatted in the last 30 days or ordered in the last 60 days. The buyer has to write first.`,
  sensitive: (n) =>
    `Not sent: ${n} refused the message because it contains words its policy does not allow. Rephrase it and send again.`,
  // Only when the message says when the quota resets; otherwise the plain text.
  quotaReset: (_n, m) => (/resets at/.test(m) ? `Not sent: ${m}. Send it again after the reset.` : undefined),
  unknownConversation: (n) =>
    `Not sent: this chat is not linked to a ${n} conversation. The customer must start the chat on ${n}.`,
};

/**
 * The text shown to the manager in Kommo next to a reply that could not be delivered (delivery status -1/905).
 * `code` may be read back from the state file; a code this version does not know gets the plain text.
 */
export function replyFailureText(code: string, message: string, marketplaceName: string): string {
  const key = errorSpec(code).managerText;
  return (
    (key && MANAGER_TEXTS[key](marketplaceName, message)) ?? `Not sent to ${marketplaceName}: ${message}`
  );
}
