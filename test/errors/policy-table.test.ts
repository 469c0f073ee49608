/**
 * The engine's error decisions for every code, pinned as they were when they were still made by matching code
 * names (retry or fail by default, the text the manager sees in Kommo, and the four yes/no questions the bridge
 * asks of a failure). The catalogue (src/errors/codes.ts) must decide the same; where it deliberately does not
 * (the old name match guessed wrong), the code is listed in DELIBERATE with the reason no failure is handled
 * differently. Codes added after the catalogue are not pinned here: they had no behaviour before.
 */
import { describe, expect, it } from "vitest";
import {
  classifyError,
  isDuplicateError,
  isPermanentNotFound,
  isQuotaStop,
  mayHaveBeenSent,
  replyFailureText,
} from "../../src/bridge/error-policy.js";
import { isTkErrorCode, type ManagerText, TkError } from "../../src/errors/index.js";

type Flag = "quotaStop" | "maybeSent" | "notFound" | "duplicate";
/** The catalogue's texts, and the plain one. */
type TextKey = ManagerText | "generic";
type Row = [retry: "retry" | "fail", text: TextKey, ...flags: Flag[]];

/** The manager's texts, as written before the catalogue (marketplace name, error message). */
const TEXTS: Record<TextKey, (name: string, message: string) => string> = {
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
  quotaReset: (_n, m) => `Not sent: ${m}. Send it again after the reset.`,
  unknownConversation: (n) =>
    `Not sent: this chat is not linked to a ${n} conversation. The customer must start the chat on ${n}.`,
  generic: (n, m) => `Not sent to ${n}: ${m}`,
};

/** Every code's decisions when its error carries no `details.retryable` (the name-matching rules' outcome). */
const BEFORE: Record<string, Row> = {
  TK_ERR_CONFIG_INVALID: ["retry", "generic"],
  TK_ERR_CONFIG_NOT_FOUND: ["fail", "generic", "notFound"],
  TK_ERR_CONFIG_NOT_JSON: ["retry", "generic"],
  TK_ERR_CONFIG_UNREADABLE: ["retry", "generic"],
  TK_ERR_CONFIG_WRITE: ["retry", "generic"],
  TK_ERR_HTTP_WORKER_LOST: ["retry", "generic"],
  TK_ERR_INTERNAL: ["retry", "generic", "maybeSent"],
  TK_ERR_JOB_LEASE_EXPIRED: ["retry", "generic", "maybeSent"],
  TK_ERR_JOB_LEASE_LOST: ["retry", "generic"],
  TK_ERR_KOMMO_BAD_REQUEST: ["fail", "generic"],
  TK_ERR_KOMMO_BAD_SIGNATURE: ["retry", "generic"],
  TK_ERR_KOMMO_BLOCKED: ["retry", "generic"],
  TK_ERR_KOMMO_DUPLICATE_MESSAGE: ["retry", "generic", "duplicate"],
  TK_ERR_KOMMO_FORBIDDEN: ["retry", "generic"],
  TK_ERR_KOMMO_LEAD_NOT_READY: ["retry", "generic"],
  TK_ERR_KOMMO_NOT_AUTHORIZED: ["retry", "credentials"],
  TK_ERR_KOMMO_NOT_FOUND: ["fail", "generic", "notFound"],
  TK_ERR_KOMMO_NOT_REGISTERED: ["retry", "generic"],
  TK_ERR_KOMMO_PAYMENT_REQUIRED: ["retry", "generic"],
  TK_ERR_KOMMO_RATE_LIMITED: ["retry", "generic"],
  TK_ERR_KOMMO_REAUTHORIZE: ["fail", "credentials"],
  TK_ERR_KOMMO_UNAUTHORIZED: ["retry", "credentials"],
  TK_ERR_KOMMO_UNAVAILABLE: ["retry", "generic"],
  TK_ERR_KOMMO_UNEXPECTED_RESPONSE: ["retry", "generic"],
  TK_ERR_MEDIA_ADDRESS_REFUSED: ["retry", "generic"],
  TK_ERR_MEDIA_DOWNLOAD: ["retry", "generic"],
  TK_ERR_MEDIA_TOO_LARGE: ["retry", "generic"],
  TK_ERR_PORT_FORBIDDEN: ["retry", "generic"],
  TK_ERR_PORT_IN_USE: ["retry", "generic"],
  TK_ERR_REPLY_ATTACHMENT: ["fail", "generic"],
  TK_ERR_REPLY_EMPTY: ["fail", "generic"],
  TK_ERR_REPLY_UNSUPPORTED: ["fail", "generic"],
  TK_ERR_SANDBOX_EXPECTATION: ["retry", "generic"],
  TK_ERR_SANDBOX_SCRIPT: ["retry", "generic"],
  TK_ERR_SERVER_HOST: ["retry", "generic"],
  TK_ERR_SETUP_ABORTED: ["retry", "generic"],
  TK_ERR_SETUP_EGRESS_IP: ["retry", "generic"],
  TK_ERR_SETUP_INTERRUPTED: ["retry", "generic"],
  TK_ERR_SETUP_IP_NOT_WHITELISTED: ["retry", "ipRefused"],
  TK_ERR_SETUP_LAST_SHOP: ["retry", "generic"],
  TK_ERR_SETUP_SHOP_NOT_FOUND: ["fail", "generic", "notFound"],
  TK_ERR_SETUP_SHOP_NOT_IN_CONFIG: ["retry", "generic"],
  TK_ERR_SHOP_AUTH_EXPIRING: ["retry", "credentials"],
  TK_ERR_SHOP_DEAUTHORIZED: ["retry", "credentials"],
  TK_ERR_SHOP_NOT_CONFIGURED: ["retry", "generic"],
  TK_ERR_STATE_BUSY: ["retry", "generic"],
  TK_ERR_STATE_CORRUPT: ["retry", "generic"],
  TK_ERR_STATE_FULL: ["retry", "generic"],
  TK_ERR_STATE_LOCKED: ["retry", "generic"],
  TK_ERR_STATE_MIGRATION_FAILED: ["retry", "generic"],
  TK_ERR_STATE_MISSING: ["retry", "generic"],
  TK_ERR_STATE_NOT_OURS: ["retry", "generic"],
  TK_ERR_STATE_NOT_SQLITE: ["retry", "generic"],
  TK_ERR_STATE_OPEN_FAILED: ["retry", "generic"],
  TK_ERR_STATE_OUTDATED: ["retry", "generic"],
  TK_ERR_STATE_QUEUE: ["retry", "generic"],
  TK_ERR_STATE_READONLY: ["retry", "generic"],
  TK_ERR_STATE_TOO_NEW: ["retry", "generic"],
  TK_ERR_STATE_WRITE: ["retry", "generic"],
  TK_ERR_SYNC_REPLY_IN_FLIGHT: ["fail", "generic"],
  TK_ERR_TIKTOKSHOP_API: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_APP_UNKNOWN: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID: ["retry", "credentials"],
  TK_ERR_TIKTOKSHOP_BAD_RESPONSE: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER: ["fail", "cannotMessage"],
  TK_ERR_TIKTOKSHOP_CONSENT_DENIED: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_CONSENT_STATE_MISMATCH: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_CONSENT_TIMEOUT: ["retry", "generic", "maybeSent"],
  TK_ERR_TIKTOKSHOP_CREDENTIALS_INVALID: ["retry", "credentials"],
  TK_ERR_TIKTOKSHOP_EMPTY_MESSAGE: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_IMAGE_REJECTED: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED: ["retry", "ipRefused"],
  TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_NOT_AUTHORIZED: ["retry", "credentials"],
  TK_ERR_TIKTOKSHOP_NOT_FOUND: ["fail", "generic", "notFound"],
  TK_ERR_TIKTOKSHOP_NO_PERMISSION: ["fail", "generic"],
  TK_ERR_TIKTOKSHOP_NO_SHOPS: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED: ["retry", "quotaReset", "quotaStop"],
  TK_ERR_TIKTOKSHOP_QUOTA_RESERVED: ["retry", "generic", "quotaStop"],
  TK_ERR_TIKTOKSHOP_RATE_LIMITED: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_REAUTH_NEEDED: ["fail", "credentials"],
  TK_ERR_TIKTOKSHOP_REDIRECT_LISTEN: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_SCOPE_MISSING: ["fail", "generic"],
  TK_ERR_TIKTOKSHOP_SENSITIVE_WORDS: ["fail", "sensitive"],
  TK_ERR_TIKTOKSHOP_SERVICE_ID_MISSING: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_SHOP_BOUND_ELSEWHERE: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_SHOP_MISMATCH: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID: ["retry", "generic"],
  TK_ERR_TIKTOKSHOP_TOKEN_EXPIRED: ["retry", "credentials"],
  TK_ERR_TIKTOKSHOP_TOKEN_INVALID: ["retry", "credentials"],
  TK_ERR_TIKTOKSHOP_TRANSIENT: ["retry", "generic", "maybeSent"],
  TK_ERR_TOKOPEDIA_AUTH: ["retry", "credentials"],
  TK_ERR_TOKOPEDIA_BAD_REQUEST: ["fail", "generic"],
  TK_ERR_TOKOPEDIA_BAD_RESPONSE: ["retry", "generic"],
  TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED: ["retry", "ipRefused"],
  TK_ERR_TOKOPEDIA_NOT_FOUND: ["fail", "generic", "notFound"],
  TK_ERR_TOKOPEDIA_PERMISSION: ["fail", "generic"],
  TK_ERR_TOKOPEDIA_RATE_LIMITED: ["retry", "generic"],
  TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND: ["fail", "notBound"],
  TK_ERR_TOKOPEDIA_TEXT_TOO_LONG: ["fail", "tooLong"],
  TK_ERR_TOKOPEDIA_TRANSIENT: ["retry", "generic", "maybeSent"],
  TK_ERR_UNKNOWN_CONVERSATION: ["fail", "unknownConversation"],
  TK_ERR_USAGE: ["retry", "generic"],
  TK_ERR_WEBHOOK_MALFORMED: ["retry", "generic"],
};

/**
 * Only the job runner and the reply delivery classify failures, and only failures of jobs. A code no job can fail
 * with (raised by a command, by setup, by opening the state file, by a webhook's intake, or only recorded) takes
 * its true default without any failure being handled differently.
 */
const NOT_IN_JOBS = "never the failure of a job";
/**
 * Every site that raises it sets details.retryable, which wins over the default: the platform clients' error
 * factories are checked in stated-retryable.test.ts, the other sites (media, sync, TikTok Shop's own refusals) by
 * reading them.
 */
const STATED = "every raise site states details.retryable";

/** Codes whose default the catalogue sets on purpose unlike the name match, with their decisions now. */
const DELIBERATE: Record<string, [why: string, now: Row]> = {
  TK_ERR_CONFIG_INVALID: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_CONFIG_NOT_FOUND: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_CONFIG_NOT_JSON: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_CONFIG_UNREADABLE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_CONFIG_WRITE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_KOMMO_BAD_SIGNATURE: [STATED, ["fail", "generic"]],
  TK_ERR_KOMMO_BLOCKED: [STATED, ["fail", "generic"]],
  TK_ERR_KOMMO_DUPLICATE_MESSAGE: [STATED, ["fail", "generic", "duplicate"]],
  TK_ERR_KOMMO_FORBIDDEN: [STATED, ["fail", "generic"]],
  TK_ERR_KOMMO_NOT_AUTHORIZED: [STATED, ["fail", "credentials"]],
  TK_ERR_KOMMO_NOT_REGISTERED: [STATED, ["fail", "generic"]],
  TK_ERR_KOMMO_PAYMENT_REQUIRED: [STATED, ["fail", "generic"]],
  TK_ERR_KOMMO_UNAUTHORIZED: [STATED, ["fail", "credentials"]],
  TK_ERR_MEDIA_ADDRESS_REFUSED: [STATED, ["fail", "generic"]],
  TK_ERR_MEDIA_TOO_LARGE: [STATED, ["fail", "generic"]],
  TK_ERR_PORT_FORBIDDEN: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_PORT_IN_USE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SANDBOX_EXPECTATION: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SANDBOX_SCRIPT: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SERVER_HOST: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_ABORTED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_EGRESS_IP: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_INTERRUPTED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_IP_NOT_WHITELISTED: [NOT_IN_JOBS, ["fail", "ipRefused"]],
  TK_ERR_SETUP_LAST_SHOP: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_SHOP_NOT_FOUND: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SETUP_SHOP_NOT_IN_CONFIG: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SHOP_AUTH_EXPIRING: [NOT_IN_JOBS, ["fail", "credentials"]],
  TK_ERR_SHOP_DEAUTHORIZED: [NOT_IN_JOBS, ["fail", "credentials"]],
  TK_ERR_SHOP_NOT_CONFIGURED: [STATED, ["fail", "generic"]],
  TK_ERR_STATE_LOCKED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_MIGRATION_FAILED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_MISSING: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_NOT_OURS: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_NOT_SQLITE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_OPEN_FAILED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_OUTDATED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_READONLY: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_STATE_TOO_NEW: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_SYNC_REPLY_IN_FLIGHT: [STATED, ["retry", "generic"]],
  TK_ERR_TIKTOKSHOP_API: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_APP_UNKNOWN: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID: [STATED, ["fail", "credentials"]],
  TK_ERR_TIKTOKSHOP_BAD_RESPONSE: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_CONSENT_DENIED: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_CONSENT_STATE_MISMATCH: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_CONSENT_TIMEOUT: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_CREDENTIALS_INVALID: [NOT_IN_JOBS, ["fail", "credentials"]],
  TK_ERR_TIKTOKSHOP_EMPTY_MESSAGE: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_IMAGE_REJECTED: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED: [STATED, ["fail", "ipRefused"]],
  TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_NOT_AUTHORIZED: [STATED, ["fail", "credentials"]],
  TK_ERR_TIKTOKSHOP_NO_SHOPS: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_REDIRECT_LISTEN: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_SERVICE_ID_MISSING: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_SHOP_BOUND_ELSEWHERE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_SHOP_MISMATCH: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID: [STATED, ["fail", "generic"]],
  TK_ERR_TIKTOKSHOP_TOKEN_INVALID: [STATED, ["fail", "credentials"]],
  TK_ERR_TOKOPEDIA_AUTH: [STATED, ["fail", "credentials"]],
  TK_ERR_TOKOPEDIA_BAD_RESPONSE: [STATED, ["fail", "generic"]],
  TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED: [STATED, ["fail", "ipRefused"]],
  TK_ERR_USAGE: [NOT_IN_JOBS, ["fail", "generic"]],
  TK_ERR_WEBHOOK_MALFORMED: [NOT_IN_JOBS, ["fail", "generic"]],
};

const MESSAGE = "the quota resets at 07:00";

function decisions(code: string): Row {
  const err = new TkError(code as never, MESSAGE);
  const text = replyFailureText(code as never, MESSAGE, "Tokopedia");
  const key = (Object.keys(TEXTS) as TextKey[]).find((k) => TEXTS[k]("Tokopedia", MESSAGE) === text);
  const flags: Flag[] = [];
  if (isQuotaStop(err)) flags.push("quotaStop");
  if (mayHaveBeenSent(code)) flags.push("maybeSent");
  if (isPermanentNotFound(err)) flags.push("notFound");
  if (isDuplicateError(err)) flags.push("duplicate");
  return [classifyError(err).retryable ? "retry" : "fail", key ?? (text as TextKey), ...flags];
}

describe("error decisions per code", () => {
  it.each(Object.entries(BEFORE))("%s decides as before", (code, before) => {
    expect(decisions(code)).toEqual(DELIBERATE[code]?.[1] ?? before);
  });

  it("lists only real, still existing changes as deliberate", () => {
    for (const [code, [why, now]] of Object.entries(DELIBERATE)) {
      expect(BEFORE[code], code).toBeDefined();
      expect(now, code).not.toEqual(BEFORE[code]);
      expect([NOT_IN_JOBS, STATED]).toContain(why);
    }
  });

  it("pins codes that all still exist", () => {
    expect(Object.keys(BEFORE).filter((code) => !isTkErrorCode(code))).toEqual([]);
  });

  it("a quota error without its reset time gets the plain text", () => {
    expect(replyFailureText("TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED", "quota used up", "Tokopedia")).toBe(
      "Not sent to Tokopedia: quota used up",
    );
  });

  it("an explicit details.retryable wins over the code's default", () => {
    const fail = new TkError("TK_ERR_TOKOPEDIA_TRANSIENT", "x", { details: { retryable: false } });
    const retry = new TkError("TK_ERR_TOKOPEDIA_NOT_FOUND", "x", { details: { retryable: true } });
    expect(classifyError(fail).retryable).toBe(false);
    expect(classifyError(retry).retryable).toBe(true);
    expect(isPermanentNotFound(retry)).toBe(false);
  });

  it("an error that is not a TkError is an internal, retryable one", () => {
    expect(classifyError(new Error("boom"))).toEqual({
      retryable: true,
      code: "TK_ERR_INTERNAL",
      message: "boom",
    });
  });
});
