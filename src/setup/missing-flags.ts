/** The one usage error of a scripted `init` that lacks answers: every missing flag named at once. */
import { TkError } from "../errors/index.js";

/** TK_ERR_USAGE naming every missing flag (details.missing lists them for --json). */
export function missingFlagsError(command: string, missing: string[]): TkError {
  return new TkError("TK_ERR_USAGE", `${command} needs ${missing.join(", ")}`, {
    exitCode: 2,
    fix: `pass ${missing.join(", ")}${command.startsWith("init") ? " (or run it in a terminal to be asked)" : ""}`,
    details: { missing },
  });
}
