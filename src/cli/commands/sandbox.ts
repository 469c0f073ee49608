import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { TkError } from "../../errors/index.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

const HELP = `Type a line to continue the conversation:
  buyer: TEXT            the buyer writes on Tokopedia (also: b TEXT; buyer as NAME: TEXT for another buyer)
  buyer image: URL       (and buyer product|invoice|sticker: ... as in scripts)
  manager: TEXT          a manager answers in Kommo (also: m TEXT)
  manager picture: URL   a manager sends a picture (Tokopedia refuses it)
  status                 what the bridge has done so far
  quit                   stop (Ctrl-C and Ctrl-D too)`;

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
 * `tokokommo sandbox [--script FILE|-]`: the Tokopedia and Kommo simulators and the real bridge on loopback,
 * with a temporary state file. Plays a conversation and prints both sides; then, on a terminal, lets you type
 * as the buyer or the manager. With --script it runs non-interactively and exits 0 when every message arrived
 * and every `expect` held.
 */
export async function sandboxCommand(
  opts: Record<string, unknown>,
  _globals: GlobalOptions,
  _args: string[],
  io: CommandIO,
): Promise<CommandResult> {
  const [{ DEFAULT_SCRIPT, parseScript, parseStep }, { startSandboxWorld }, { SandboxPlayer }] =
    await Promise.all([
      import("../../sandbox/script.js"),
      import("../../sandbox/world.js"),
      import("../../sandbox/play.js"),
    ]);
  const scriptPath = typeof opts.script === "string" ? opts.script : undefined;
  const source =
    scriptPath === "-" ? await readAll(io.stdin) : scriptPath ? readScript(scriptPath) : DEFAULT_SCRIPT;
  const steps = parseScript(source); // a bad script fails (exit 2) before anything starts
  const line = (text: string) => io.write(`${text}\n`);
  line("tokokommo sandbox: Tokopedia and Kommo simulators + the real bridge, on this machine only.\n");
  const world = await startSandboxWorld();
  line(`  bridge   ${world.daemon.url}  (shop "${world.bed.shops[0]!.name}", Kommo account "Acme Agency")\n`);
  const player = new SandboxPlayer(world, line);
  try {
    for (const step of steps) await player.play(step);
    if (!scriptPath && io.interactive) {
      line(`\n${HELP}\n`);
      const rl = createInterface({ input: io.stdin, terminal: false });
      const stop = new Promise<void>((resolve) => {
        rl.on("close", resolve);
        process.once("SIGINT", () => rl.close());
      });
      let n = 0;
      const loop = (async () => {
        for await (const raw of rl) {
          n++;
          const text = raw.trim().replace(/^b\s+/i, "buyer: ").replace(/^m\s+/i, "manager: ");
          if (!text) continue;
          if (text === "quit" || text === "exit") break;
          if (text === "help") {
            line(HELP);
            continue;
          }
          if (text === "status") {
            const o = player.outcome;
            const counts = world.daemon.store.jobs.counts();
            const backlog = counts.reduce((a, c) => a + c.pending + c.running, 0);
            const dead = counts.reduce((a, c) => a + c.dead, 0);
            line(
              `status: ${o.arrived}/${o.sent} buyer messages in Kommo, ${o.replies.filter((r) => r.status === "delivered").length} replies delivered, ${o.replies.filter((r) => r.status === "refused").length} refused; jobs waiting ${backlog}, dead ${dead}`,
            );
            continue;
          }
          try {
            const step = parseStep(text, n);
            if (step) await player.play(step);
          } catch (err) {
            line(err instanceof TkError ? err.message : String(err));
          }
        }
        rl.close();
      })();
      await Promise.race([stop, loop]);
    }
  } finally {
    await world.close(); // stops the bridge and the simulators, removes the temporary state file
  }
  const o = player.outcome;
  const summary = `\n${o.ok ? "✓" : "✗"} ${o.arrived}/${o.sent} buyer messages arrived in Kommo; replies: ${o.replies.map((r) => r.status).join(", ") || "none"}.`;
  return { exitCode: o.ok ? 0 : 1, text: summary, json: o };
}
