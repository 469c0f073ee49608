/**
 * `tokokommo sandbox [--script FILE|-] [--json]`: both simulators and the real bridge in this process, with a
 * temporary state file. Plays a script (the built-in conversation by default), then, on a terminal without
 * --script, goes on with what is typed. Ends with the result line; any failure (a message that did not arrive,
 * a reply without a status, an `expect` that did not hold) ends in TK_ERR_SANDBOX_EXPECTATION, exit 1.
 */
import type { CommandIO, CommandResult } from "../cli/result.js";
import { SandboxPlayer } from "./play.js";
import { runRepl, SCRIPT_HELP } from "./repl.js";
import type { ScriptStep } from "./script.js";
import { waitForSignal } from "./signals.js";
import { expectationError, resultLine } from "./summary.js";
import { startSandboxWorld } from "./world.js";

export interface PlayModeOptions {
  steps: ScriptStep[];
  /** Go on interactively after the steps (a terminal, no --script). */
  interactive: boolean;
  /** --json: the transcript goes to stderr, stdout carries the outcome. */
  json: boolean;
}

const HELP = `Type a line to go on with the conversation:
${SCRIPT_HELP}
  status                       what the bridge has done so far
  quit                         stop (Ctrl-C and Ctrl-D too)`;

export async function playSandbox(o: PlayModeOptions, io: CommandIO): Promise<CommandResult> {
  const raw = o.json ? (io.writeErr ?? (() => undefined)) : (text: string) => io.write(text);
  const line = (text: string) => raw(`${text}\n`);
  line("tokokommo sandbox: Tokopedia and Kommo simulators + the real bridge, on this machine only.\n");
  const world = await startSandboxWorld();
  const { sides, daemon } = world;
  line(`  bridge   ${daemon.url}  (shop "${sides.shop.name}", Kommo account "Acme Agency")\n`);
  const player = new SandboxPlayer(sides, line);
  // Ctrl-C at any point: stop where it is, clean up, report what happened so far.
  const interrupt = waitForSignal(["SIGINT"]);
  void interrupt.received.then(() => player.stop());
  try {
    for (const step of o.steps) await player.play(step);
    if (o.interactive) {
      line(`\n${HELP}\n`);
      await runRepl({
        input: io.stdin,
        write: raw,
        prompt: true,
        player,
        help: HELP,
        commands: {
          status: () => {
            const counts = daemon.store.jobs.counts();
            const waiting = counts.reduce((a, c) => a + c.pending + c.running, 0);
            const dead = counts.reduce((a, c) => a + c.dead, 0);
            return `${resultLine(player.outcome)} Bridge jobs waiting: ${waiting}, dead: ${dead}.`;
          },
        },
        stop: interrupt.received,
      });
    }
  } finally {
    interrupt.dispose();
    await world.close(); // stops the bridge and the simulators, removes the temporary state file
  }
  line(`\n${resultLine(player.outcome)}`);
  const failed = expectationError(player.outcome);
  if (failed) throw failed;
  return {
    exitCode: 0,
    text: "✓ every buyer message arrived, every reply got its status and every expectation held.",
    json: player.outcome,
  };
}
