import type { ExitCode } from "../errors/index.js";

/**
 * What a command returns. Commands never touch process.stdout or process.exit themselves:
 * the CLI entry (main.ts) prints `json` when --json was given, `text` otherwise, and exits with `exitCode`.
 */
export interface CommandResult {
  exitCode: ExitCode;
  /** Human-readable output, printed as is (a trailing newline is added when missing). */
  text?: string;
  /** Machine-readable output for --json; must already be redacted. */
  json?: unknown;
  /**
   * The process must be gone this long after the command returned: a handle left open (a socket, a timer, a
   * library's worker) may not keep it alive past a promised shutdown time. Unset: exit when the loop is empty.
   */
  exitWithinMs?: number;
}

export function ok(text?: string, json?: unknown): CommandResult {
  return { exitCode: 0, ...(text !== undefined ? { text } : {}), ...(json !== undefined ? { json } : {}) };
}

/** Global options every command can see (parsed by main.ts). */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

/**
 * Streams for the few commands that talk while they run (sandbox's transcript and prompt, init's progress).
 * main.ts owns the real ones; tests pass their own.
 */
export interface CommandIO {
  write(text: string): void;
  /** Standard error: where a command's running commentary goes when stdout is kept for --json. */
  writeErr?(text: string): void;
  stdin: NodeJS.ReadableStream;
  /** True when a person is typing (stdin is a terminal). */
  interactive: boolean;
}
