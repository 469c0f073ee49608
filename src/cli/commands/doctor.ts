import { redact, resolveConfigPath } from "../../config/index.js";
import {
  DEFAULT_DEADLINE_MS,
  formatChecklist,
  formatResult,
  formatSummary,
  runDoctor,
  useColour,
} from "../../doctor/index.js";
import { usageError } from "../../errors/index.js";
import { resolveStatePath } from "../../store/state-location.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

/** The most `--timeout` may ask for: doctor answers within 25 s even when every host hangs. */
const MAX_TIMEOUT_S = 25;
/**
 * Checks cut short by the deadline leave their connections open; once the report is printed the process ends
 * within this long instead of waiting for those sockets.
 */
const EXIT_AFTER_REPORT_MS = 500;

function parseTimeout(raw: unknown): number {
  if (raw === undefined) return DEFAULT_DEADLINE_MS;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0 || s > MAX_TIMEOUT_S)
    throw usageError(
      `--timeout ${String(raw)} is not a number of seconds from 1 to ${MAX_TIMEOUT_S}`,
      `give the time doctor may take in all, e.g. --timeout 10 (default ${DEFAULT_DEADLINE_MS / 1000})`,
    );
  return Math.round(s * 1000);
}

/**
 * `tokokommo doctor [--json] [--shop ID] [--state FILE] [--timeout S]`: exit 0 when no check fails, 1 otherwise,
 * 2 for bad usage (an unknown --shop). The human checklist is written as each check finishes; --json prints one
 * complete report at the end.
 */
export async function doctorCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  _args: string[] = [],
  io?: CommandIO,
): Promise<CommandResult> {
  const deadlineMs = parseTimeout(opts.timeout);
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const stream = opts.json !== true && io !== undefined;
  const colour = stream && useColour(process.stdout.isTTY, process.env);
  let header = `checking ${configPath} (results as they come, ${deadlineMs / 1000} s at most)\n\n`;
  const report = await runDoctor(
    {
      configPath,
      env: process.env,
      deadlineMs,
      ...(typeof opts.state === "string" ? { statePath: resolveStatePath(opts.state, process.cwd()) } : {}),
      ...(typeof opts.shop === "string" ? { shop: opts.shop } : {}),
      ...(typeof opts.egressIp === "string" ? { egressIp: opts.egressIp } : {}),
    },
    undefined,
    stream
      ? (r) => {
          io.write(`${header}${formatResult(r, colour)}\n`);
          header = "";
        }
      : undefined,
  );
  return {
    exitCode: report.ok ? 0 : 1,
    text: stream ? `\n${formatSummary(report, colour)}` : formatChecklist(report),
    json: redact(report),
    exitWithinMs: EXIT_AFTER_REPORT_MS,
  };
}
