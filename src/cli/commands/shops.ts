import { loadConfig, redact, resolveConfigPath } from "../../config/index.js";
import { notBuilt } from "../not-built.js";
import type { CommandResult, GlobalOptions } from "../result.js";
import { formatTable } from "../table.js";

/** `tokokommo shops list [--json]`: the shops bound in the config file. */
export async function shopsListCommand(
  _opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const path = resolveConfigPath({ config: globals.config }, process.env);
  const config = loadConfig(path, process.env);
  const text = formatTable(
    ["SOURCE", "SHOP ID", "NAME", "APP", "KOMMO ACCOUNT"],
    config.shops.map((s) => [s.source, s.shopId, s.name ?? "-", s.app, s.kommoAccount]),
  );
  return { exitCode: 0, text, json: redact(config.shops) };
}

export async function shopsAddCommand(): Promise<CommandResult> {
  return notBuilt("shops add", "issue 5 (setup)");
}

export async function shopsRemoveCommand(): Promise<CommandResult> {
  return notBuilt("shops remove", "issue 5 (setup)");
}
