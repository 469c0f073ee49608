import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function serveCommand(): Promise<CommandResult> {
  return notBuilt("serve", "issue 4 (the bridge)");
}
