import type { CommandResult } from "./result.js";

/**
 * Adds whether a running daemon took the config just written (its runtime card shows the file's hash; see
 * daemon/took-change.ts) to a command's text and JSON (`daemon`).
 */
export async function withDaemonAnswer(
  result: CommandResult & { json: object },
  configPath: string,
  statePath: string,
): Promise<CommandResult> {
  const { awaitDaemonTook, daemonTookText } = await import("../daemon/took-change.js");
  const took = await awaitDaemonTook({ configPath, statePath });
  return {
    ...result,
    text: `${result.text ?? ""}\n${daemonTookText(took)}`,
    json: { ...result.json, daemon: took },
  };
}
