/**
 * Whether the state file takes writes. A write can fail for reasons outside the daemon: another process holds
 * the write lock past the busy timeout (SQLITE_BUSY), the disk is full (SQLITE_FULL), the disk or filesystem
 * fails (SQLITE_IOERR, SQLITE_READONLY). None of them is a bug, and each passes: every part of the daemon that
 * writes reports such a failure here and tries again later, and /readyz shows the last outcome, so a load
 * balancer or an operator sees the daemon is up but cannot accept work until the cause is fixed.
 *
 * Cheap by design: readiness reads what the daemon's own writes last found; it never writes to find out.
 */

import { postgresStateCode } from "./postgres-state-errors.js";

/** The stable codes of a failing state write (docs/errors.md, "State file"). */
export type StateWriteCode =
  | "TK_ERR_STATE_BUSY"
  | "TK_ERR_STATE_FULL"
  | "TK_ERR_STATE_WRITE"
  | "TK_ERR_STATE_UNREACHABLE";

export interface StateWriteFailure {
  code: StateWriteCode;
  message: string;
  /** Which part of the daemon hit it: "intake", "sweep" or "jobs". */
  part: string;
  /** When the failures began (the first failure since the last success). */
  since: number;
  /** Failures since the last success. */
  count: number;
}

/**
 * The state write failure `err` is, or undefined when it is something else (a bug, an upstream error). SQLite's
 * extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...) start with their primary code; PostgreSQL's are
 * classified in postgres-state-errors.ts.
 */
export function stateWriteCode(err: unknown): StateWriteCode | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return postgresStateCode(err);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "TK_ERR_STATE_BUSY";
  if (code === "SQLITE_FULL") return "TK_ERR_STATE_FULL";
  if (code.startsWith("SQLITE_IOERR") || code.startsWith("SQLITE_READONLY")) return "TK_ERR_STATE_WRITE";
  return undefined;
}

export interface StateHealthOptions {
  now?: () => number;
  /**
   * Reports a failure (log and metrics). `first` is true for the first failure after a success, and again every
   * `reportEveryMs` while failures go on: a full disk fails every webhook, and one log line per webhook would
   * bury the cause.
   */
  onFailure?: (failure: StateWriteFailure, first: boolean) => void;
  /** Reports the first success after failures. */
  onRecovered?: (failure: StateWriteFailure) => void;
  reportEveryMs?: number;
}

export class StateHealth {
  private failure: StateWriteFailure | undefined;
  private lastReport = 0;
  private readonly now: () => number;
  private readonly reportEveryMs: number;

  constructor(private readonly o: StateHealthOptions = {}) {
    this.now = o.now ?? Date.now;
    this.reportEveryMs = o.reportEveryMs ?? 10_000;
  }

  /**
   * Records `err` if it is a state write failure and returns its code; returns undefined (recording nothing) for
   * any other error, which the caller handles as its own.
   */
  failed(part: string, err: unknown): StateWriteCode | undefined {
    const code = stateWriteCode(err);
    if (!code) return undefined;
    const now = this.now();
    const message = err instanceof Error ? err.message : String(err);
    const first = this.failure === undefined;
    this.failure = {
      code,
      message,
      part,
      since: this.failure?.since ?? now,
      count: (this.failure?.count ?? 0) + 1,
    };
    const report = first || now - this.lastReport >= this.reportEveryMs;
    if (report) this.lastReport = now;
    try {
      this.o.onFailure?.(this.failure, report);
    } catch {
      // Reporting must never turn a handled failure into a new one.
    }
    return code;
  }

  /** A write committed: the state file takes writes again. */
  succeeded(): void {
    const was = this.failure;
    if (!was) return;
    this.failure = undefined;
    try {
      this.o.onRecovered?.(was);
    } catch {}
  }

  /** The failure since the last successful write, if any. */
  get lastFailure(): StateWriteFailure | undefined {
    return this.failure;
  }
}
