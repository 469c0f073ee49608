/**
 * The process logger: pino, to stderr (stdout carries command output), JSON by default and pino-pretty
 * when stderr is a terminal. Every log object goes through the config layer's `redact()` (a formatter: any key
 * named like a secret, at any depth, in the line and in the logger's bindings), so secrets never reach a log line
 * (log messages themselves must not carry secrets). pino's own path redaction is not used on top: every key it
 * would name is one `redact()` already catches, and its wildcard paths cost about a tenth of the daemon's CPU per
 * delivered message (one info line each).
 */
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from "pino";
import { redact } from "../config/redact.js";

export type { Logger } from "pino";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface CreateLoggerOptions {
  level?: LogLevel | string;
  /** Human-readable lines (pino-pretty). Default: when stderr is a TTY and no destination is given. */
  pretty?: boolean;
  /** Where JSON lines go (tests capture them here). Default: stderr. */
  destination?: DestinationStream;
  /** Base fields on every line (default: pid and hostname). */
  base?: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: PinoOptions = {
    level: options.level ?? "info",
    formatters: {
      // pino's paths cover fixed depths; this catches secret keys at any depth, by the same rule as --json.
      log: (obj) => redact(obj),
      bindings: (bindings) => redact(bindings),
    },
    ...(options.base ? { base: options.base } : {}),
  };
  const pretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  if (pretty) {
    // Loaded only when used: pino-pretty (and its colour code) is not needed for JSON logs.
    const build = require("pino-pretty") as (opts: Record<string, unknown>) => DestinationStream;
    return redactingChildren(
      pino(pinoOptions, build({ destination: options.destination ?? 2, colorize: !process.env.NO_COLOR })),
    );
  }
  return redactingChildren(
    pino(pinoOptions, options.destination ?? pino.destination({ dest: 2, sync: true })),
  );
}

/**
 * A child's bindings pass through `redact()` too: pino's `formatters.bindings` sees only the root's. Children are
 * made with Object.create(parent), so they inherit this `child` and call it with themselves as `this`.
 */
function redactingChildren(logger: Logger): Logger {
  const child = Object.getPrototypeOf(logger).child as Logger["child"];
  logger.child = function (this: Logger, bindings, opts) {
    return child.call(this, redact(bindings), opts);
  } as Logger["child"];
  return logger;
}
