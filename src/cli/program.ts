/**
 * The process edge: argv in, stdout/stderr out, exit code. Everything below returns CommandResult
 * or throws (TkError for known failures); this file alone prints and exits.
 *
 * Keep imports here light: `tokokommo --help` must not load SQLite, undici, pino or the simulators.
 * Each command's module is imported only when that command runs.
 */
import { Command, CommanderError, Option } from "commander";
import { isTkError } from "../errors/index.js";
import { version } from "../version.js";
import type { Action } from "./commands-table.js";
import { registerCommands } from "./commands-table.js";
import type { CommandIO, CommandResult, GlobalOptions } from "./result.js";

interface RunState {
  result?: CommandResult;
  json: boolean;
  debug: boolean;
}

export function buildProgram(state: RunState): Command {
  const program = new Command("tokokommo")
    .description("Tokopedia seller chat inside the Kommo CRM: setup, sync daemon, diagnosis and a sandbox")
    .version(version, "-V, --version", "print the version")
    .option("-c, --config <file>", "config file (env TOKOKOMMO_CONFIG; default: the per-user config path)")
    .addOption(
      new Option("--log-level <level>", "log level").choices([
        "fatal",
        "error",
        "warn",
        "info",
        "debug",
        "trace",
      ]),
    )
    .showHelpAfterError("(run `tokokommo --help` for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      // Commander's own usage errors (unknown flag, missing value) carry the usage code like ours.
      outputError: (s, write) => write(s.replace(/^error: /, "error TK_ERR_USAGE: ")),
    });

  /** Registers an action whose module is loaded lazily. */
  const wire = (cmd: Command, load: () => Promise<Action>) => {
    cmd.exitOverride();
    cmd.action(async (...raw: unknown[]) => {
      const self = raw[raw.length - 1] as Command;
      const opts = self.opts();
      const globals = program.opts() as GlobalOptions;
      state.json = Boolean(opts.json);
      state.debug = globals.logLevel === "debug" || globals.logLevel === "trace";
      const args = self.args;
      const action = await load();
      const io: CommandIO = {
        write: (text) => process.stdout.write(text),
        writeErr: (text) => process.stderr.write(text),
        stdin: process.stdin,
        interactive: process.stdin.isTTY === true,
      };
      state.result = await action(opts, globals, args, io);
    });
    return cmd;
  };

  registerCommands(program, wire);
  return program;
}

/** Runs the CLI and returns the exit code; prints exactly one clear line on failure. */
export async function main(argv: string[]): Promise<number> {
  const state: RunState = { json: argv.includes("--json"), debug: argv.includes("debug") };
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    const code = reportError(err, state);
    // An interrupted command must not linger: a platform call still in flight may keep the loop alive (it can
    // write nothing: the command aborted it). unref: this only ends a process something keeps alive.
    if (code === 130) setTimeout(() => process.exit(130), 500).unref();
    return code;
  }
  const result = state.result;
  if (!result) return 0; // --help / --version were printed by commander
  if (state.json && result.json !== undefined) {
    process.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
  } else if (result.text) {
    process.stdout.write(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
  }
  if (result.exitWithinMs !== undefined) {
    const code = result.exitCode;
    // unref: a process whose loop empties exits on its own, as usual; this only ends one something keeps alive.
    setTimeout(() => process.exit(code), result.exitWithinMs).unref();
  }
  return result.exitCode;
}

function reportError(err: unknown, state: RunState): number {
  if (err instanceof CommanderError) {
    // help and version "errors" are commander's way of ending early with success.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0)
      return 0;
    if (err.code === "commander.help") return 0;
    // Unknown command/flag, missing argument: commander already printed the message and usage.
    if (state.json) {
      const error = { code: "TK_ERR_USAGE", message: err.message.replace(/^error: /, "") };
      process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    }
    return 2;
  }
  if (isTkError(err)) {
    if (state.json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    process.stderr.write(`error ${err.code}: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ""}\n`);
    if (state.debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`error TK_ERR_INTERNAL: ${e?.message ?? String(err)}\n`);
  if (state.debug && e?.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write("  fix: re-run with --log-level debug for the stack trace, and report it\n");
  return 1;
}
