/**
 * Ctrl-C during setup. At a prompt the prompt library reports it; between prompts (a platform call in flight)
 * the command turns SIGINT into an aborted signal. Either way the run ends with TK_ERR_SETUP_INTERRUPTED and exit
 * code 130 (what shells report for a process ended by SIGINT), and nothing is written after it: steps check the
 * signal before each write.
 */
import { TkError } from "../errors/index.js";

export function interruptedError(configPath: string, again = "tokokommo init"): TkError {
  return new TkError("TK_ERR_SETUP_INTERRUPTED", `setup interrupted; ${configPath} was not changed`, {
    fix: `run \`${again}\` again when ready (a re-run adds to an existing config)`,
    exitCode: 130,
  });
}

/** Stops a step before it writes anything once the run was interrupted. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new TkError("TK_ERR_SETUP_INTERRUPTED", "setup interrupted; nothing was written", {
      exitCode: 130,
    });
}
