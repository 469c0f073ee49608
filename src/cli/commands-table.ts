/**
 * The commands and their options, each with the module that runs it (loaded only when that command runs, so
 * `tokokommo --help` stays light). program.ts wires them and alone prints and exits.
 */
import type { Command } from "commander";
import { withInitOptions } from "./init-options.js";
import type { CommandIO, CommandResult, GlobalOptions } from "./result.js";

export type Action = (
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  args: string[],
  io: CommandIO,
) => Promise<CommandResult>;

/** Registers a command's action, its module loaded lazily. */
export type Wire = (cmd: Command, load: () => Promise<Action>) => Command;

export function registerCommands(program: Command, wire: Wire): void {
  addSetupAndDaemon(program, wire);
  addShopsAndRetry(program, wire);
  addHistoryAndSandbox(program, wire);
}

/** init, serve, doctor, status. */
function addSetupAndDaemon(program: Command, wire: Wire): void {
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
      .option("--state <file|url>", "state file or postgres:// URL (overrides statePath)")
      .option("--host <host>", "listen address (overrides server.host)")
      .option("--port <port>", "listen port (overrides server.port)")
      .option("--no-watch", "reload the config on SIGHUP only, not when the file changes"),
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
      .option("--state <file|url>", "state file or postgres:// URL (overrides statePath)")
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
      .option("--state <file|url>", "state file or postgres:// URL (overrides statePath)"),
    async () => (await import("./commands/status.js")).statusCommand,
  );
}

/** shops list|add|remove, retry. */
function addShopsAndRetry(program: Command, wire: Wire): void {
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
      .option("--pipeline <id>", "Kommo pipeline for the shop's new leads (shops[].pipelineId)")
      .option("--responsible-user <id>", "Kommo user responsible for the shop's new leads")
      .option("--lead-tag <tag...>", "an extra tag on the shop's new leads (repeatable)")
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
}

/** import, state copy, sandbox. */
function addHistoryAndSandbox(program: Command, wire: Wire): void {
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
  const state = program.command("state").description("move an install's state between SQLite and PostgreSQL");
  state.exitOverride();
  wire(
    state
      .command("copy")
      .description("copy a stopped install's state to an empty SQLite file or PostgreSQL database")
      .requiredOption(
        "--from <file|url>",
        "the state to copy: the stopped daemon's state file or postgres:// URL",
      )
      .requiredOption("--to <file|url>", "where to: a new state file or an empty postgres:// database")
      .option("--json", "machine-readable output"),
    async () => (await import("./commands/state-copy.js")).stateCopyCommand,
  );
  wire(
    program
      .command("sandbox")
      .description("see the whole flow on this machine against built-in Tokopedia and Kommo simulators")
      .option("--script <file>", "run a scripted conversation non-interactively ('-' for stdin)")
      .option("--json", "with --script: the outcome as JSON on stdout, the transcript on stderr")
      .option(
        "--serve",
        "keep the simulators up for a rehearsal of init, doctor, serve and status (until Ctrl-C)",
      )
      .option(
        "--port-base <n>",
        "with --serve: Tokopedia on N, TikTok Shop on N+1, Kommo on N+2, IP echo on N+3 (default: any free)",
      )
      .option(
        "--bridge-port <port>",
        "with --serve: the port your `tokokommo serve` listens on (default 8787)",
      )
      .option(
        "--dir <dir>",
        "with --serve: where the starter config and env file go (default ./tokokommo-rehearsal)",
      ),
    async () => (await import("./commands/sandbox.js")).sandboxCommand,
  );
}
