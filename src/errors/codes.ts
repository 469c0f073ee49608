/**
 * The catalogue of every error code tokokommo reports: one entry per code, and the only place a code is defined.
 * What the bridge does about a failure is read from here (its category and flags, see error-spec.ts), never
 * guessed from the code's spelling. `TkErrorCode` is derived from it, so a misspelt code does not compile.
 *
 * Adding a code: add its entry below, in alphabetical order, and its row to docs/errors.md in the section named by
 * `doc`; test/errors-doc.test.ts checks both, and that the code is raised somewhere in src/.
 */
import type { ErrorSpec } from "./error-spec.js";

const GENERAL = "general-and-cli";
const CONFIG = "configuration";
const STATE = "state-file";
const TOKOPEDIA = "tokopedia";
const TTS = "tiktok-shop-tokopedia--shop";
const KOMMO = "kommo";
const SETUP = "setup-and-doctor-init-shops-doctor";
const BRIDGE = "bridge-serve-webhooks-jobs";

/** Every code, alphabetical. */
export const ERROR_CODES = {
  TK_ERR_CLUSTER_LOCK_TIMEOUT: { category: "transient", exitCode: 1, retryable: true, doc: BRIDGE },
  TK_ERR_CONFIG_INVALID: { category: "config", exitCode: 2, retryable: false, doc: CONFIG },
  TK_ERR_CONFIG_NOT_FOUND: { category: "config", exitCode: 2, retryable: false, doc: CONFIG },
  TK_ERR_CONFIG_NOT_JSON: { category: "config", exitCode: 2, retryable: false, doc: CONFIG },
  TK_ERR_CONFIG_UNREADABLE: { category: "config", exitCode: 2, retryable: false, doc: CONFIG },
  TK_ERR_CONFIG_WATCH: { category: "config", exitCode: 1, retryable: false, doc: CONFIG },
  TK_ERR_CONFIG_WRITE: { category: "config", exitCode: 1, retryable: false, doc: CONFIG },
  TK_ERR_HTTP_WORKER_LOST: { category: "transient", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_IMPORT_BUDGET_SPENT: { category: "quota", exitCode: 1, retryable: true, doc: GENERAL },
  TK_ERR_IMPORT_INTERRUPTED: { category: "usage", exitCode: 130, retryable: false, doc: GENERAL },
  TK_ERR_INTERNAL: { category: "internal", exitCode: 1, retryable: true, doc: GENERAL, maybeSent: true },
  TK_ERR_JOB_LEASE_EXPIRED: {
    category: "transient",
    exitCode: 1,
    retryable: true,
    doc: STATE,
    maybeSent: true,
  },
  TK_ERR_JOB_LEASE_LOST: { category: "transient", exitCode: 1, retryable: true, doc: BRIDGE },
  TK_ERR_KOMMO_BAD_REQUEST: { category: "input", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_BAD_SIGNATURE: { category: "auth", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_BLOCKED: { category: "access", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_DUPLICATE_MESSAGE: {
    category: "input",
    exitCode: 1,
    retryable: false,
    doc: KOMMO,
    duplicate: true,
  },
  TK_ERR_KOMMO_FORBIDDEN: { category: "access", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_LEAD_NOT_READY: { category: "transient", exitCode: 1, retryable: true, doc: KOMMO },
  TK_ERR_KOMMO_NOT_AUTHORIZED: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: KOMMO,
    managerText: "credentials",
  },
  TK_ERR_KOMMO_NOT_FOUND: { category: "not-found", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_NOT_REGISTERED: { category: "access", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_PAYMENT_REQUIRED: { category: "access", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_RATE_LIMITED: { category: "rate", exitCode: 1, retryable: true, doc: KOMMO },
  TK_ERR_KOMMO_REAUTHORIZE: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: KOMMO,
    managerText: "credentials",
  },
  TK_ERR_KOMMO_SOURCES_REFUSED: { category: "access", exitCode: 1, retryable: false, doc: KOMMO },
  TK_ERR_KOMMO_UNAUTHORIZED: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: KOMMO,
    managerText: "credentials",
  },
  TK_ERR_KOMMO_UNAVAILABLE: { category: "transient", exitCode: 1, retryable: true, doc: KOMMO },
  TK_ERR_KOMMO_UNEXPECTED_RESPONSE: { category: "platform", exitCode: 1, retryable: true, doc: KOMMO },
  TK_ERR_MEDIA_ADDRESS_REFUSED: { category: "input", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_MEDIA_DOWNLOAD: { category: "transient", exitCode: 1, retryable: true, doc: BRIDGE },
  TK_ERR_MEDIA_TOO_LARGE: { category: "input", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_PORT_FORBIDDEN: { category: "system", exitCode: 2, retryable: false, doc: BRIDGE },
  TK_ERR_PORT_IN_USE: { category: "system", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_REPLY_ATTACHMENT: { category: "input", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_REPLY_EMPTY: { category: "input", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_REPLY_GUARD_NO_REST: { category: "config", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_REPLY_UNSUPPORTED: { category: "input", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_SANDBOX_EXPECTATION: { category: "check", exitCode: 1, retryable: false, doc: GENERAL },
  TK_ERR_SANDBOX_SCRIPT: { category: "usage", exitCode: 2, retryable: false, doc: GENERAL },
  TK_ERR_SERVER_HOST: { category: "config", exitCode: 2, retryable: false, doc: BRIDGE },
  TK_ERR_SETUP_ABORTED: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SETUP_EGRESS_IP: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SETUP_INTERRUPTED: { category: "setup", exitCode: 130, retryable: false, doc: SETUP },
  TK_ERR_SETUP_IP_NOT_WHITELISTED: {
    category: "access",
    exitCode: 1,
    retryable: false,
    doc: SETUP,
    managerText: "ipRefused",
  },
  TK_ERR_SETUP_LAST_SHOP: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SETUP_SHOP_NOT_FOUND: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SETUP_SHOP_NOT_IN_CONFIG: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SETUP_WEBHOOK_IN_USE: { category: "setup", exitCode: 1, retryable: false, doc: SETUP },
  TK_ERR_SHOP_AUTH_EXPIRING: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: BRIDGE,
    managerText: "credentials",
  },
  TK_ERR_SHOP_DEAUTHORIZED: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: BRIDGE,
    managerText: "credentials",
  },
  TK_ERR_SHOP_NOT_CONFIGURED: { category: "config", exitCode: 1, retryable: false, doc: BRIDGE },
  TK_ERR_STATE_BUSY: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_COPY_COUNTS: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_COPY_FAILED: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_COPY_IN_USE: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_COPY_SCHEMA: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_COPY_TARGET_NOT_EMPTY: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  // Raised inside jobs too, for one unreadable stored token: such a job keeps its retries, as before.
  TK_ERR_STATE_CORRUPT: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_FULL: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_LOCKED: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_MIGRATION_FAILED: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_MISSING: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_NATIVE_MISSING: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_NOT_OURS: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_NOT_SQLITE: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_OPEN_FAILED: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_OUTDATED: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_QUEUE: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_READONLY: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_TOKEN_UNSAVED: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_TOO_NEW: { category: "state", exitCode: 1, retryable: false, doc: STATE },
  TK_ERR_STATE_UNREACHABLE: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_STATE_WRITE: { category: "state", exitCode: 1, retryable: true, doc: STATE },
  TK_ERR_SYNC_REPLY_IN_FLIGHT: { category: "transient", exitCode: 1, retryable: true, doc: BRIDGE },
  TK_ERR_TIKTOKSHOP_API: { category: "platform", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_APP_UNKNOWN: { category: "config", exitCode: 2, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_BAD_RESPONSE: { category: "platform", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER: {
    category: "input",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "cannotMessage",
  },
  TK_ERR_TIKTOKSHOP_CONSENT_DENIED: { category: "setup", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_CONSENT_STATE_MISMATCH: { category: "setup", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_CONSENT_TIMEOUT: { category: "setup", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_CREDENTIALS_INVALID: {
    category: "auth",
    exitCode: 2,
    retryable: false,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_EMPTY_MESSAGE: { category: "input", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_IMAGE_REJECTED: { category: "input", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED: {
    category: "access",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "ipRefused",
  },
  TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN: { category: "config", exitCode: 2, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_NOT_AUTHORIZED: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_NOT_FOUND: { category: "not-found", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_NO_PERMISSION: { category: "access", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_NO_SHOPS: { category: "setup", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED: {
    category: "quota",
    exitCode: 1,
    retryable: true,
    doc: TTS,
    managerText: "quotaReset",
  },
  TK_ERR_TIKTOKSHOP_QUOTA_RESERVED: { category: "quota", exitCode: 1, retryable: true, doc: TTS },
  TK_ERR_TIKTOKSHOP_RATE_LIMITED: { category: "rate", exitCode: 1, retryable: true, doc: TTS },
  TK_ERR_TIKTOKSHOP_REAUTH_NEEDED: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_REDIRECT_LISTEN: { category: "setup", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SCOPE_MISSING: { category: "access", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SENSITIVE_WORDS: {
    category: "input",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "sensitive",
  },
  TK_ERR_TIKTOKSHOP_SERVICE_ID_MISSING: { category: "config", exitCode: 2, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SHOP_BOUND_ELSEWHERE: { category: "setup", exitCode: 2, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SHOP_MISMATCH: { category: "auth", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN: { category: "access", exitCode: 1, retryable: false, doc: TTS },
  TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID: { category: "auth", exitCode: 1, retryable: false, doc: TTS },
  // Retried: the client refreshes the token first.
  TK_ERR_TIKTOKSHOP_TOKEN_EXPIRED: {
    category: "auth",
    exitCode: 1,
    retryable: true,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_TOKEN_INVALID: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: TTS,
    managerText: "credentials",
  },
  TK_ERR_TIKTOKSHOP_TRANSIENT: {
    category: "transient",
    exitCode: 1,
    retryable: true,
    doc: TTS,
    maybeSent: true,
  },
  TK_ERR_TOKOPEDIA_AUTH: {
    category: "auth",
    exitCode: 1,
    retryable: false,
    doc: TOKOPEDIA,
    managerText: "credentials",
  },
  TK_ERR_TOKOPEDIA_BAD_REQUEST: { category: "input", exitCode: 1, retryable: false, doc: TOKOPEDIA },
  TK_ERR_TOKOPEDIA_BAD_RESPONSE: { category: "platform", exitCode: 1, retryable: false, doc: TOKOPEDIA },
  TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED: {
    category: "access",
    exitCode: 1,
    retryable: false,
    doc: TOKOPEDIA,
    managerText: "ipRefused",
  },
  TK_ERR_TOKOPEDIA_NOT_FOUND: { category: "not-found", exitCode: 1, retryable: false, doc: TOKOPEDIA },
  TK_ERR_TOKOPEDIA_PERMISSION: { category: "access", exitCode: 1, retryable: false, doc: TOKOPEDIA },
  TK_ERR_TOKOPEDIA_RATE_LIMITED: { category: "rate", exitCode: 1, retryable: true, doc: TOKOPEDIA },
  TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND: {
    category: "access",
    exitCode: 1,
    retryable: false,
    doc: TOKOPEDIA,
    managerText: "notBound",
  },
  TK_ERR_TOKOPEDIA_TEXT_TOO_LONG: {
    category: "input",
    exitCode: 1,
    retryable: false,
    doc: TOKOPEDIA,
    managerText: "tooLong",
  },
  TK_ERR_TOKOPEDIA_TRANSIENT: {
    category: "transient",
    exitCode: 1,
    retryable: true,
    doc: TOKOPEDIA,
    maybeSent: true,
  },
  TK_ERR_UNKNOWN_CONVERSATION: {
    category: "input",
    exitCode: 1,
    retryable: false,
    doc: BRIDGE,
    managerText: "unknownConversation",
  },
  TK_ERR_USAGE: { category: "usage", exitCode: 2, retryable: false, doc: GENERAL },
  TK_ERR_WEBHOOK_MALFORMED: { category: "platform", exitCode: 1, retryable: false, doc: BRIDGE },
} as const satisfies Record<`TK_ERR_${string}`, ErrorSpec>;

export type TkErrorCode = keyof typeof ERROR_CODES;

/** Whether a string (read back from the state file, say) is a code of this version. */
export function isTkErrorCode(code: string): code is TkErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/**
 * The catalogue entry of a code. A code this version does not know (recorded by an older one) is treated as
 * TK_ERR_INTERNAL: an unexpected failure.
 */
export function errorSpec(code: string): Readonly<ErrorSpec> {
  return isTkErrorCode(code) ? ERROR_CODES[code] : ERROR_CODES.TK_ERR_INTERNAL;
}
