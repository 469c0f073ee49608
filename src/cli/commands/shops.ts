import { notBuilt } from "../not-built.js";
import type { CommandResult } from "../result.js";

export async function shopsListCommand(): Promise<CommandResult> {
  return notBuilt("shops list", "issue 5 (setup)");
}

export async function shopsAddCommand(): Promise<CommandResult> {
  return notBuilt("shops add", "issue 5 (setup)");
}

export async function shopsRemoveCommand(): Promise<CommandResult> {
  return notBuilt("shops remove", "issue 5 (setup)");
}
