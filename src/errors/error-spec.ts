/**
 * The shape of an entry of the error catalogue (codes.ts): what kind of failure a code is and what the engine and
 * the CLI do about it.
 */
import type { ExitCode } from "./tk-error.js";

/**
 * What kind of failure a code is. Operators read it in docs/errors.md; the engine asks it ("is this the daily
 * quota?", "is this a permanent no-such-object?") instead of matching names.
 */
export type ErrorCategory =
  /** A command was called wrongly: arguments, flags, a sandbox script. */
  | "usage"
  /** The config file, or a value in it, is missing or wrong. */
  | "config"
  /** The state file cannot be opened, read or written. */
  | "state"
  /** The machine refuses something: a port, an address. */
  | "system"
  /** The interactive setup stopped (init, shops add). */
  | "setup"
  /** Credentials, tokens or a seller's authorization are missing, wrong or revoked. */
  | "auth"
  /** The platform refuses this server, app or shop access (IP lists, bindings, permissions, blocks). */
  | "access"
  /** Too many requests per second: wait and retry. */
  | "rate"
  /** A daily call quota is used up until its reset. */
  | "quota"
  /** The message or request is refused as it is (too long, empty, an attachment, a duplicate). */
  | "input"
  /** The chat, message or record does not exist on the platform. */
  | "not-found"
  /** A timeout, an outage, a dropped connection or a stalled worker: retried. */
  | "transient"
  /** The platform answered something tokokommo cannot read. */
  | "platform"
  /** An expectation checked by tokokommo did not hold (sandbox scripts). */
  | "check"
  /** A bug. */
  | "internal";

/** Which of the manager's texts (bridge/error-policy.ts) a failed reply shows in Kommo; the plain one otherwise. */
export type ManagerText =
  | "notBound"
  | "ipRefused"
  | "credentials"
  | "tooLong"
  | "cannotMessage"
  | "sensitive"
  | "quotaReset"
  | "unknownConversation";

/** The section of docs/errors.md that documents a code (the heading's anchor). */
export type DocSection =
  | "general-and-cli"
  | "configuration"
  | "state-file"
  | "tokopedia"
  | "tiktok-shop-tokopedia--shop"
  | "kommo"
  | "setup-and-doctor-init-shops-doctor"
  | "bridge-serve-webhooks-jobs";

export interface ErrorSpec {
  category: ErrorCategory;
  /** The CLI's exit code when the error ends a command, unless the raising site says otherwise. */
  exitCode: ExitCode;
  /**
   * Whether a job that failed with it is tried again. A raising site may say otherwise for one instance
   * (`details.retryable`: a download that timed out is retried, a link that is no URL is not).
   */
  retryable: boolean;
  doc: DocSection;
  /** The text the manager sees in Kommo when a reply fails with it. */
  managerText?: ManagerText;
  /** A send that failed with it may have reached the platform anyway (its answer was lost). */
  maybeSent?: true;
  /** The platform already has what was sent: the earlier attempt went through. */
  duplicate?: true;
}
