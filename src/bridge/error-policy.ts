/**
 * How the engine reacts to a failure. Clients raise TkError with `details.retryable` and, for rate limits,
 * `details.retryAfterMs`; anything else (a bug, an unexpected network error) is treated as retryable, because a
 * job retried until its budget runs out and then parked as dead is visible and recoverable, while a job dropped
 * on the first surprise is lost.
 */
import { isTkError } from "../errors/index.js";

export interface ClassifiedError {
  retryable: boolean;
  retryAfterMs?: number;
  code: string;
  message: string;
}

/** Error codes that mean "the same call will fail again until a human fixes something". */
const PERMANENT_CODE =
  /NOT_BOUND|PERMISSION|SCOPE|BAD_REQUEST|INVALID_REQUEST|TOO_LONG|CANNOT_MESSAGE|SENSITIVE|REPLY_|UNKNOWN_CONVERSATION|NOT_FOUND|REAUTH/;

export function classifyError(err: unknown): ClassifiedError {
  if (isTkError(err)) {
    const d = err.details ?? {};
    const explicit = typeof d.retryable === "boolean" ? d.retryable : undefined;
    const retryAfterMs = typeof d.retryAfterMs === "number" ? d.retryAfterMs : undefined;
    const retryable = explicit ?? !PERMANENT_CODE.test(err.code);
    return {
      retryable,
      code: err.code,
      message: err.message,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const e = err as { message?: string; code?: string } | undefined;
  return { retryable: true, code: "TK_ERR_INTERNAL", message: e?.message ?? String(err) };
}

/**
 * The text shown to the manager in Kommo next to a reply that could not be delivered (delivery status -1/905).
 * Written for a salesperson, not an engineer: what happened and what to do.
 */
export function replyFailureText(code: string, message: string, marketplaceName: string): string {
  if (/NOT_BOUND/.test(code))
    return `Not sent: the shop is not (or no longer) connected to the ${marketplaceName} app. Ask your admin to run \`tokokommo doctor\`.`;
  if (/IP_NOT_WHITELISTED|IP_NOT_ALLOWED/.test(code))
    return `Not sent: ${marketplaceName} refused the bridge server's IP address. Ask your admin to run \`tokokommo doctor\`.`;
  if (/AUTH|TOKEN|REAUTH|CREDENTIAL/.test(code))
    return `Not sent: ${marketplaceName} rejected the bridge's credentials. Ask your admin to run \`tokokommo doctor\`.`;
  if (/TOO_LONG/.test(code))
    return `Not sent: the message is too long for ${marketplaceName}. Shorten it and send again.`;
  if (/CANNOT_MESSAGE/.test(code))
    return `Not sent: ${marketplaceName} no longer allows messages to this buyer: a shop may only write to buyers who chatted in the last 30 days or ordered in the last 60 days. The buyer has to write first.`;
  if (/SENSITIVE/.test(code))
    return `Not sent: ${marketplaceName} refused the message because it contains words its policy does not allow. Rephrase it and send again.`;
  if (/QUOTA_EXCEEDED/.test(code) && /resets at/.test(message))
    return `Not sent: ${message}. Send it again after the reset.`;
  if (/UNKNOWN_CONVERSATION/.test(code))
    return `Not sent: this chat is not linked to a ${marketplaceName} conversation. The customer must start the chat on ${marketplaceName}.`;
  return `Not sent to ${marketplaceName}: ${message}`;
}
