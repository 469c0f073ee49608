import { redact, resolveConfigPath } from "../../config/index.js";
import { formatChecklist, runDoctor } from "../../doctor/index.js";
import type { CommandResult, GlobalOptions } from "../result.js";

/** `tokokommo doctor [--json] [--shop ID]`: exit 0 when no check fails, 1 otherwise. */
export async function doctorCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const report = await runDoctor({
    configPath,
    env: process.env,
    ...(typeof opts.shop === "string" ? { shop: opts.shop } : {}),
    ...(typeof opts.egressIp === "string" ? { egressIp: opts.egressIp } : {}),
  });
  return { exitCode: report.ok ? 0 : 1, text: formatChecklist(report), json: redact(report) };
}
