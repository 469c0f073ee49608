import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function retryCommand(): Promise<CommandResult> {
  return notBuilt("retry", "issue 4 (the bridge)");
}
