import { resolve as resolvePath } from "node:path";
import { resolveConfigPath } from "../../config/index.js";
import { usageError } from "../../errors/index.js";
import type { CommandResult, GlobalOptions } from "../result.js";

/** How long SIGTERM/SIGINT may take in total (the promise to operators: exit 0 within 10 s, docs/operations.md). */
const SHUTDOWN_BUDGET_MS = 9_000;
/** After the daemon stopped: how long the process may take to exit on its own before it is ended. */
const EXIT_GRACE_MS = 1_000;

function parsePort(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw usageError(`--port ${String(raw)} is not a port number`, "Use a number from 0 to 65535.");
  }
  return n;
}

/**
 * `tokokommo serve`: runs the daemon until SIGTERM or SIGINT, then stops intake, finishes or releases in-flight
 * jobs, closes the state file and returns exit code 0. SIGHUP, and a change of the config file (unless
 * --no-watch), reload the config without a restart.
 */
export async function serveCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const port = parsePort(opts.port);
  const configPath = resolvePath(resolveConfigPath({ config: globals.config }, process.env));
  const [{ startDaemon }, { loadConfigFile }, { createLogger }] = await Promise.all([
    import("../../daemon/daemon.js"),
    import("../../daemon/config-reload.js"),
    import("../../log/index.js"),
  ]);
  const { config, hash } = loadConfigFile(configPath, process.env);
  // SIGHUP (`systemctl reload tokokommo`) reads the config file again (config-reload.ts); one during start-up
  // (whose default action would end the process) is taken once the daemon runs.
  let reload = () => {
    hangupDuringStart = true;
  };
  let hangupDuringStart = false;
  const onHangup = () => reload();
  process.on("SIGHUP", onHangup);
  const logger = createLogger({ level: globals.logLevel ?? "info" });
  const daemon = await startDaemon({
    config,
    ...(typeof opts.state === "string" ? { statePath: opts.state } : {}),
    ...(typeof opts.host === "string" ? { host: opts.host } : {}),
    ...(port !== undefined ? { port } : {}),
    httpWorker: true,
    log: (level, msg, details) => logger[level](details ?? {}, msg),
    configFile: { path: configPath, hash, env: process.env, watch: opts.watch !== false },
  });
  reload = () => {
    logger.info({ path: configPath }, "SIGHUP: reloading the config");
    void daemon.reload();
  };
  if (hangupDuringStart) reload();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  reload = () => undefined; // a SIGHUP while stopping is ignored (its default action would end the process)
  logger.info({ signal }, "shutting down");
  const started = Date.now();
  // The grace (config, at most 7 s) leaves 2 s of the budget for aborting, releasing and closing.
  await daemon.stop(config.server.shutdownGraceSeconds * 1_000);
  const ms = Date.now() - started;
  logger.info({ ms }, "stopped");
  // Everything the daemon owns is closed, so the loop should empty at once; should anything else still hold it
  // (a leaked socket or timer), the process ends shortly anyway, well inside the shutdown budget.
  return { exitCode: 0, exitWithinMs: Math.max(0, Math.min(EXIT_GRACE_MS, SHUTDOWN_BUDGET_MS - ms)) };
}
