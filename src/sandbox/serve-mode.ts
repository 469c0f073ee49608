/**
 * `tokokommo sandbox --serve`: a rehearsal of the real setup. Starts the simulators (rehearsal.ts), writes the
 * starter config and env file (rehearsal-files.ts), prints what to type into `init` (rehearsal-guide.ts), then
 * reads buyer and manager lines from stdin while the operator's own `serve` bridges them. Runs until `quit`,
 * Ctrl-C (SIGINT) or SIGTERM, and exits 0 on each; the end of piped input does not stop it.
 */
import type { CommandIO, CommandResult } from "../cli/result.js";
import { SandboxPlayer } from "./play.js";
import { startRehearsal } from "./rehearsal.js";
import { rehearsalFiles, writeRehearsalFiles } from "./rehearsal-files.js";
import { rehearsalGuide, tiktokshopInitCommand } from "./rehearsal-guide.js";
import { runRepl, SCRIPT_HELP } from "./repl.js";
import { waitForSignal } from "./signals.js";
import { resultLine } from "./summary.js";

export interface ServeModeOptions {
  portBase: number;
  bridgePort: number;
  dir: string;
}

const HELP = `Type as the buyer on Tokopedia or the manager in Kommo (your \`tokokommo serve\` carries it across):
${SCRIPT_HELP}
  status                       what arrived so far (\`tokokommo status\` shows the bridge's side)
  values                       print the setup values and commands again
  code                         a fresh TikTok Shop authorization code
  quit                         stop the simulators (Ctrl-C too)`;

export async function serveRehearsal(o: ServeModeOptions, io: CommandIO): Promise<CommandResult> {
  const files = rehearsalFiles(o.dir); // refuses an earlier rehearsal before anything starts
  const signal = waitForSignal();
  const rehearsal = await startRehearsal({ portBase: o.portBase, bridgePort: o.bridgePort });
  let reason: string;
  try {
    writeRehearsalFiles(rehearsal.values, files);
    io.write(`${rehearsalGuide(rehearsal.values, files)}\n`);
    const player = new SandboxPlayer(rehearsal.sides, (text) => io.write(`${text}\n`));
    const ended = await runRepl({
      input: io.stdin,
      write: (text) => io.write(text),
      prompt: io.interactive,
      player,
      help: HELP,
      commands: {
        status: () => resultLine(player.outcome),
        values: () => rehearsalGuide(rehearsal.values, files),
        code: () => {
          rehearsal.values.tiktokshop.authCode = rehearsal.newAuthCode();
          return `authorization code ${rehearsal.values.tiktokshop.authCode}\n  ${tiktokshopInitCommand(rehearsal.values)}`;
        },
      },
      stop: signal.received,
    });
    player.stop(); // a wait still running (Ctrl-C while a message was on its way) ends now
    // Piped input that ended (or none at all) leaves the simulators up: the rehearsal goes on in other terminals.
    if (ended === "end") io.write("(input ended; the simulators stay up until Ctrl-C or SIGTERM)\n");
    reason = ended === "quit" ? "quit" : await signal.received;
  } finally {
    signal.dispose();
    await rehearsal.close();
  }
  return {
    exitCode: 0,
    text: `\nStopped the simulators (${reason}). The rehearsal's files stay in ${files.dir}; remove the directory before the next rehearsal.`,
  };
}
