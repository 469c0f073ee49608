import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function sandboxCommand(): Promise<CommandResult> {
  return notBuilt("sandbox", "issue 6 (first run)");
}
