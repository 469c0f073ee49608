import { readFileSync } from "node:fs";
import { TkError } from "../../errors/index.js";
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

/**
 * `tokokommo sandbox [--script FILE|-] [--json]`: the simulators and the real bridge on loopback, playing a
 * conversation (src/sandbox/play-mode.ts). Script syntax: docs/sandbox.md.
 */
export async function sandboxCommand(
  opts: Record<string, unknown>,
  _globals: GlobalOptions,
  _args: string[],
  io: CommandIO,
): Promise<CommandResult> {
  const [{ DEFAULT_SCRIPT, parseScript }, { playSandbox }] = await Promise.all([
    import("../../sandbox/script.js"),
    import("../../sandbox/play-mode.js"),
  ]);
  const scriptPath = typeof opts.script === "string" ? opts.script : undefined;
  const source =
    scriptPath === "-" ? await readAll(io.stdin) : scriptPath ? readScript(scriptPath) : DEFAULT_SCRIPT;
  const steps = parseScript(source); // a bad script fails (exit 2) before anything starts
  return playSandbox({ steps, interactive: !scriptPath && io.interactive, json: opts.json === true }, io);
}
