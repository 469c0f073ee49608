import { TkError } from "../errors/index.js";

/** A command registered in the CLI whose implementation has not landed yet: says so, exit 1. */
export function notBuilt(command: string, issue: string): never {
  throw new TkError("TK_ERR_NOT_IMPLEMENTED", `\`tokokommo ${command}\` is not built yet (${issue})`, {
    fix: "Use a newer tokokommo release; see README for what works today.",
    exitCode: 1,
  });
}
