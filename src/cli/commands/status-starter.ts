import { readStarterConfig } from "../../config/index.js";
import type { CommandResult } from "../result.js";
import type { StatusReport } from "./status.js";

/**
 * `status` on a starter config (src/config/starter.ts): no shop to report yet, which is a fact, not an error
 * (exit 0). Undefined for any other file, which `status` then loads as usual (and reports as usual if broken).
 */
export function starterStatus(configPath: string): CommandResult | undefined {
  const starter = readStarterConfig(configPath);
  if (!starter) return undefined;
  const report: StatusReport = {
    statePath: starter.statePath,
    everRun: false,
    starter: true,
    shops: [],
    other: [],
  };
  return {
    exitCode: 0,
    text: `${starter.configPath} is a starter config: no shop is set up yet (run \`tokokommo init\`)`,
    json: report,
  };
}
