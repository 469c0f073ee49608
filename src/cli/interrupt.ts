/**
 * Ctrl-C for commands that ask and call platforms (init): at a prompt the prompt library throws its exit error;
 * between prompts SIGINT arrives as a signal. Both end the command with the error `interrupted()` builds (exit
 * 130), and the run's AbortSignal is aborted so it writes nothing afterwards, even if a call in flight returns.
 */
import type { TkError } from "../errors/index.js";
import { isPromptExit } from "./prompts.js";

export async function untilInterrupted<T>(
  run: (signal: AbortSignal) => Promise<T>,
  interrupted: () => TkError,
): Promise<T> {
  const aborter = new AbortController();
  let onSigint = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onSigint = () => {
      aborter.abort();
      reject(interrupted());
    };
  });
  stopped.catch(() => undefined);
  process.once("SIGINT", onSigint);
  try {
    return await Promise.race([run(aborter.signal), stopped]);
  } catch (err) {
    if (isPromptExit(err)) {
      aborter.abort();
      throw interrupted();
    }
    throw err;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
