import { readFileSync } from "node:fs";
import { TkError, usageError } from "../../errors/index.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString("utf8");
}

function readScript(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new TkError("TK_ERR_SANDBOX_SCRIPT", `cannot read the script ${path}: ${(err as Error).message}`, {
      fix: "Pass an existing file to --script, or '-' to read the script from standard input.",
      exitCode: 2,
    });
  }
}

function port(flag: string, raw: unknown, min: number, max: number): number {
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || n < min || n > max)
    throw usageError(
      `${flag} ${String(raw)} is not a port from ${min} to ${max}`,
      `pass ${flag} N with ${min} ≤ N ≤ ${max}`,
    );
  return n;
}

/** Flags that only mean something with --serve, and the ones that do not go with it. */
function checkCombination(opts: Record<string, unknown>): void {
  const serveOnly = ["portBase", "bridgePort", "dir"].filter((k) => opts[k] !== undefined);
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (!opts.serve && serveOnly.length > 0)
    throw usageError(
      `${serveOnly.map(flag).join(", ")} only go with --serve`,
      "add --serve, or leave them out",
    );
  const playOnly = ["script", "json"].filter((k) => opts[k] !== undefined);
  if (opts.serve && playOnly.length > 0)
    throw usageError(
      `--serve does not take ${playOnly.map(flag).join(", ")}: it reads buyer and manager lines as they are typed`,
      "run `tokokommo sandbox --script FILE` for a scripted conversation",
    );
}

/**
 * `tokokommo sandbox [--script FILE|-] [--json]`: the simulators and the real bridge on loopback, playing a
 * conversation (src/sandbox/play-mode.ts). `tokokommo sandbox --serve [--port-base N] [--bridge-port P]
 * [--dir DIR]`: the simulators alone, for rehearsing init → doctor → serve → status → shops against them
 * (src/sandbox/serve-mode.ts). Script syntax: docs/sandbox.md.
 */
export async function sandboxCommand(
  opts: Record<string, unknown>,
  _globals: GlobalOptions,
  _args: string[],
  io: CommandIO,
): Promise<CommandResult> {
  checkCombination(opts);
  if (opts.serve) {
    const { serveRehearsal } = await import("../../sandbox/serve-mode.js");
    return serveRehearsal(
      {
        portBase: opts.portBase === undefined ? 0 : port("--port-base", opts.portBase, 0, 65532),
        bridgePort: opts.bridgePort === undefined ? 8787 : port("--bridge-port", opts.bridgePort, 1, 65535),
        dir: typeof opts.dir === "string" ? opts.dir : "tokokommo-rehearsal",
      },
      io,
    );
  }
  const [{ DEFAULT_SCRIPT, parseScript }, { playSandbox }] = await Promise.all([
    import("../../sandbox/script.js"),
    import("../../sandbox/play-mode.js"),
  ]);
  const scriptPath = typeof opts.script === "string" ? opts.script : undefined;
  const source =
    scriptPath === "-" ? await readAll(io.stdin) : scriptPath ? readScript(scriptPath) : DEFAULT_SCRIPT;
  const steps = parseScript(source); // a bad script fails (exit 2) before anything starts
  const tts = steps.find((s) => s.actor === "buyer" && s.on === "tiktokshop");
  if (tts)
    throw new TkError("TK_ERR_SANDBOX_SCRIPT", `script line ${tts.line}: this sandbox has no TikTok Shop`, {
      fix: "TikTok Shop buyers write in `tokokommo sandbox --serve` (docs/sandbox.md); here, leave out `on tiktokshop`.",
      exitCode: 2,
    });
  return playSandbox({ steps, interactive: !scriptPath && io.interactive, json: opts.json === true }, io);
}
