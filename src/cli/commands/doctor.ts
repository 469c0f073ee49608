import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function doctorCommand(): Promise<CommandResult> {
  return notBuilt("doctor", "issue 5 (diagnosis)");
}
