import { errorSpec, type TkErrorCode } from "./codes.js";

/**
 * Every error a user or operator can meet carries a stable code (`TK_ERR_*`, one of the catalogue in codes.ts), a
 * one-line message and, where we know it, the fix. Codes are documented in docs/errors.md; a test keeps the two in
 * step.
 *
 * exitCode (docs/errors.md): 1 = a check or operation failed, 2 = bad usage or invalid configuration,
 * 130 = interrupted by the user (Ctrl-C), as shells report a process ended by SIGINT.
 */
export type ExitCode = 0 | 1 | 2 | 130;

export interface TkErrorOptions {
  /** What the user should do next, in one sentence. */
  fix?: string;
  /** Defaults to the code's exit code in the catalogue. */
  exitCode?: ExitCode;
  cause?: unknown;
  /** Structured context for logs and --json output (never secrets). */
  details?: Record<string, unknown>;
}

export class TkError extends Error {
  readonly code: TkErrorCode;
  readonly fix: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TkErrorCode, message: string, options: TkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TkError";
    this.code = code;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? errorSpec(code).exitCode;
    this.details = options.details;
  }

  /** Shape used by --json output and structured logs. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.fix ? { fix: this.fix } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isTkError(err: unknown): err is TkError {
  return err instanceof TkError;
}

/** Usage errors (unknown flag, missing argument): exit 2. */
export function usageError(message: string, fix?: string): TkError {
  return new TkError("TK_ERR_USAGE", message, { exitCode: 2, ...(fix ? { fix } : {}) });
}
