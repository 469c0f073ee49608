import { loadConfig, resolveConfigPath } from "../../config/index.js";
import { TkError, usageError } from "../../errors/index.js";
import { importInterrupted } from "../../importer/errors.js";
import { emptyProgress, type ImportProgress } from "../../importer/walk.js";
import { untilInterrupted } from "../interrupt.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

export const DEFAULT_IMPORT_DAYS = 30;
export const MAX_IMPORT_DAYS = 365;

/** What `import --json` prints. */
export interface ImportReport {
  shopId: string;
  source: string;
  days: number;
  dryRun: boolean;
  conversations: { done: number; total: number };
  /** sent: sent to Kommo by this run (dry run: would be); skipped: already there, hidden or echoes. */
  messages: { sent: number; skipped: number };
  calls: number;
  elapsedMs: number;
}

function parseDays(raw: unknown): number {
  if (raw === undefined) return DEFAULT_IMPORT_DAYS;
  const text = String(raw);
  const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_IMPORT_DAYS)
    throw usageError(`--days must be a whole number from 1 to ${MAX_IMPORT_DAYS}, not "${text}"`);
  return days;
}

/**
 * `tokokommo import --shop ID [--days N] [--dry-run] [--json]`: the shop's past conversations sent to Kommo as
 * silent history (see importer/walk.ts). Opens the state beside the daemon: the SQLite file without the daemon's
 * lock, or the PostgreSQL database the replicas share (under their shared budgets: importer/run.ts). A running
 * daemon keeps syncing meanwhile, and the shared unique keys keep the two from sending a message twice.
 */
export async function importCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  _args: string[],
  io: CommandIO,
): Promise<CommandResult> {
  if (typeof opts.shop !== "string" || opts.shop === "")
    throw usageError(
      "--shop is required",
      "Name the shop: tokokommo import --shop ID (see `tokokommo shops list`).",
    );
  const shopId = opts.shop;
  const days = parseDays(opts.days);
  const dryRun = opts.dryRun === true;
  const config = loadConfig(resolveConfigPath({ config: globals.config }, process.env), process.env);
  const bound = config.shops.find((s) => s.shopId === shopId);
  if (!bound)
    throw new TkError("TK_ERR_SHOP_NOT_CONFIGURED", `shop ${shopId} is not in the config`, {
      fix: "Run `tokokommo shops list` for the bound shops' ids.",
      details: { shopId },
    });
  const { openStateBesideDaemon } = await import("../../daemon/open-daemon-state.js");
  const { runImport } = await import("../../importer/run.js");
  // The state's own troubles (a token write that failed) on stderr: level, message and code, never a value.
  const state = await openStateBesideDaemon(config.statePath, (level, msg, details) =>
    io.writeErr?.(`${level}: ${msg}${typeof details?.code === "string" ? ` (${details.code})` : ""}\n`),
  );
  let last: ImportProgress | undefined;
  let walking: Promise<unknown> | undefined;
  try {
    const final = await untilInterrupted(
      (signal) =>
        (walking = runImport(config, state, bound, { days, dryRun }, signal, io, opts.json === true, (p) => {
          last = p;
        })),
      () => interruptedWith(last, shopId, bound.source),
    );
    return { exitCode: 0, text: final.text, json: reportOf(final.progress, days, dryRun) };
  } finally {
    // After Ctrl-C the walk stops before its next message; the one in flight is recorded first (else the next run
    // sends it again, and Kommo refuses it), as long as that takes.
    if (walking) await settledWithin(walking, IN_FLIGHT_GRACE_MS);
    await state.close();
  }
}

/** How long an interrupted run waits for the message in flight to be answered and recorded. */
const IN_FLIGHT_GRACE_MS = 3_000;

function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/** Ctrl-C: the counts of the last progress the walk reported (nothing yet: zeros). */
function interruptedWith(
  p: ImportProgress | undefined,
  shopId: string,
  source: ImportProgress["source"],
): TkError {
  return importInterrupted(p ?? emptyProgress(shopId, source));
}

function reportOf(p: ImportProgress, days: number, dryRun: boolean): ImportReport {
  return {
    shopId: p.shopId,
    source: p.source,
    days,
    dryRun,
    conversations: { done: p.roomsDone, total: p.roomsTotal },
    messages: { sent: p.messagesSent, skipped: p.messagesSkipped },
    calls: p.calls,
    elapsedMs: p.elapsedMs,
  };
}
