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
import { withInitOptions } from "./init-options.js";
import type { CommandIO, CommandResult, GlobalOptions } from "./result.js";

type Action = (
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  args: string[],
  io: CommandIO,
) => Promise<CommandResult>;

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
        stdin: process.stdin,
        interactive: process.stdin.isTTY === true,
      };
      state.result = await action(opts, globals, args, io);
    });
    return cmd;
  };

  wire(
    withInitOptions(
      program
        .command("init")
        .description(
          "guided setup: Tokopedia app, IP whitelist, shop binding, Kommo account and channel, webhooks",
        ),
    ),
    async () => (await import("./commands/init.js")).initCommand,
  );
  wire(
    program
      .command("serve")
      .description("run the bridge daemon: webhooks, polling, delivery to Kommo and back")
      .option("--state <file>", "state file (overrides statePath)")
      .option("--host <host>", "listen address (overrides server.host)")
      .option("--port <port>", "listen port (overrides server.port)"),
    async () => (await import("./commands/serve.js")).serveCommand,
  );
  wire(
    program
      .command("doctor")
      .description(
        "check every link (credentials, whitelist, shops, tokens, channel, webhooks, state) and name the fix",
      )
      .option("--json", "machine-readable output")
      .option("--shop <id>", "check one shop only")
      .option("--state <file>", "state file (overrides statePath)")
      .option("--timeout <seconds>", "the most the whole run may take, up to 25 (default 20)")
      .option(
        "--egress-ip <ip>",
        "the IP Tokopedia sees from this server (default: server.egressIp or endpoints.ipEcho)",
      ),
    async () => (await import("./commands/doctor.js")).doctorCommand,
  );
  wire(
    program
      .command("status")
      .description("per shop: last sync, backlog, dead jobs, last error")
      .option("--json", "machine-readable output")
      .option("--state <file>", "state file (overrides statePath)"),
    async () => (await import("./commands/status.js")).statusCommand,
  );
  const shops = program.command("shops").description("list, add or remove shop bindings without prompts");
  shops.exitOverride();
  wire(
    shops.command("list").description("list bound shops").option("--json", "machine-readable output"),
    async () => (await import("./commands/shops.js")).shopsListCommand,
  );
  wire(
    shops
      .command("add")
      .description(
        "bind a shop: --app NAME --shop-domain DOMAIN --kommo-account NAME (or --source tiktokshop --auth-code CODE)",
      )
      .option("--source <source>", "tokopedia (default) or tiktokshop")
      .option("--app <name>", "marketplace app name from the config")
      .option("--shop-domain <domain>", "Tokopedia shop domain or URL, e.g. tokopedia.com/kommo")
      .option("--auth-code <code>", "TikTok Shop seller authorization code")
      .option("--shop <id...>", "TikTok Shop: bind only these shop ids")
      .option("--kommo-account <name>", "Kommo account name from the config")
      .option("--json", "machine-readable output"),
    async () => (await import("./commands/shops.js")).shopsAddCommand,
  );
  wire(
    shops
      .command("remove")
      .description("unbind a shop")
      .argument("<shopId>", "shop id")
      .option("--json", "machine-readable output"),
    async () => (await import("./commands/shops.js")).shopsRemoveCommand,
  );
  wire(
    program
      .command("retry")
      .description("re-queue failed jobs")
      .option("--dead", "re-queue dead jobs (those that used up their retry budget)")
      .option("--json", "machine-readable output"),
    async () => (await import("./commands/retry.js")).retryCommand,
  );
  wire(
    program
      .command("import")
      .description("send a shop's past chats to Kommo as silent history (resumable; within the daily budget)")
      .option("--shop <id>", "the shop to import (see `tokokommo shops list`)")
      .option("--days <n>", "how far back, in days (default 30)")
      .option("--dry-run", "count what would be sent; send nothing")
      .option("--json", "machine-readable output"),
    async () => (await import("./commands/import.js")).importCommand,
  );
  wire(
    program
      .command("sandbox")
      .description("see the whole flow on this machine against built-in Tokopedia and Kommo simulators")
      .option("--script <file>", "run a scripted conversation non-interactively ('-' for stdin)"),
    async () => (await import("./commands/sandbox.js")).sandboxCommand,
  );
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
