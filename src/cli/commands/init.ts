import { resolveConfigPath } from "../../config/index.js";
import { TkError } from "../../errors/index.js";
import type { InitFlags } from "../../setup/init-flow.js";
import { inquirerPrompter, isPromptExit, type Prompter } from "../prompts.js";
import type { CommandResult, GlobalOptions } from "../result.js";

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Maps commander's options (one flag per answer) to InitFlags. */
export function initFlagsFrom(opts: Record<string, unknown>): InitFlags {
  const flags: InitFlags = { interactive: opts.interactive !== false };
  const keys = [
    "publicUrl",
    "state",
    "app",
    "fsId",
    "clientId",
    "clientSecret",
    "webhookSecret",
    "egressIp",
    "shopDomain",
    "kommoAccount",
    "kommoSubdomain",
    "kommoToken",
    "kommoClientId",
    "kommoClientSecret",
    "kommoRedirectUri",
    "kommoAuthCode",
    "channelId",
    "channelSecret",
  ] as const;
  for (const k of keys) {
    const v = str(opts[k]);
    if (v !== undefined) flags[k] = v;
  }
  return flags;
}

/**
 * `tokokommo init`: see src/setup/init-flow.ts. Progress lines go through `write` (stdout by default); Ctrl-C at a
 * prompt ends with TK_ERR_SETUP_INTERRUPTED and the previous config untouched (it is written only at the end).
 */
export async function initCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  _args: string[] = [],
  deps: { prompter?: Prompter; write?: (line: string) => void } = {},
): Promise<CommandResult> {
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const { runInit } = await import("../../setup/init-flow.js");
  try {
    const result = await runInit(initFlagsFrom(opts), {
      configPath,
      prompter: deps.prompter ?? inquirerPrompter(),
      write: deps.write ?? ((line) => process.stdout.write(`${line}\n`)),
      env: process.env,
      execPath: process.argv[1] ? `${process.execPath} ${process.argv[1]}` : "tokokommo",
    });
    return {
      exitCode: 0,
      text: result.text,
      json: {
        configPath: result.configPath,
        app: result.app,
        shop: result.shop ?? null,
        kommoAccount: result.kommoAccount,
        scopeId: result.scopeId,
        chatWebhookUrl: result.chatWebhookUrl ?? null,
        kommoHookUrl: result.kommoHookUrl ?? null,
      },
    };
  } catch (err) {
    if (isPromptExit(err))
      throw new TkError("TK_ERR_SETUP_INTERRUPTED", `setup interrupted; ${configPath} was not changed`, {
        fix: "run `tokokommo init` again when ready (a re-run adds to an existing config)",
        exitCode: 1,
      });
    throw err;
  }
}
