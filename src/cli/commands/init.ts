import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function initCommand(): Promise<CommandResult> {
  return notBuilt("init", "issue 5 (setup)");
}
