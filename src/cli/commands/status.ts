import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function statusCommand(): Promise<CommandResult> {
  return notBuilt("status", "issue 4 (the bridge)");
}
