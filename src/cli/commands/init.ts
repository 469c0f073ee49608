import { resolveConfigPath } from "../../config/index.js";
import { TkError } from "../../errors/index.js";
import type { InitFlags } from "../../setup/init-flow.js";
import { withDaemonAnswer } from "../daemon-answer.js";
import { inquirerPrompter, isPromptExit, type Prompter } from "../prompts.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

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
  io: Partial<CommandIO> & { prompter?: Prompter } = {},
): Promise<CommandResult> {
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const write = (line: string) => (io.write ?? ((t: string) => process.stdout.write(t)))(`${line}\n`);
  const deps = { prompter: io.prompter ?? inquirerPrompter(), write };
  if (str(opts.source) === "tiktokshop") return initTikTokShop(configPath, deps);
  if (str(opts.source) !== undefined && str(opts.source) !== "tokopedia")
    throw new TkError("TK_ERR_USAGE", `unknown --source "${str(opts.source)}"`, {
      fix: "use --source tokopedia (default) or --source tiktokshop",
      exitCode: 2,
    });
  const { runInit } = await import("../../setup/init-flow.js");
  try {
    const result = await runInit(initFlagsFrom(opts), {
      configPath,
      prompter: deps.prompter,
      write: deps.write,
      env: process.env,
      execPath: process.argv[1] ? `${process.execPath} ${process.argv[1]}` : "tokokommo",
    });
    const answer = {
      exitCode: 0 as const,
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
    return withDaemonAnswer(answer, result.configPath, result.config.statePath);
  } catch (err) {
    if (isPromptExit(err))
      throw new TkError("TK_ERR_SETUP_INTERRUPTED", `setup interrupted; ${configPath} was not changed`, {
        fix: "run `tokokommo init` again when ready (a re-run adds to an existing config)",
        exitCode: 1,
      });
    throw err;
  }
}

/**
 * `tokokommo init --source tiktokshop`: adds a Tokopedia & Shop seller to an existing config (the Kommo
 * account and channel come from the first `init`): app key and secret, the authorization link, the code (pasted or
 * caught by a one-shot local listener), tokens into the state file, shops bound, the webhook URL to set.
 */
async function initTikTokShop(
  configPath: string,
  deps: { prompter: Prompter; write: (line: string) => void },
): Promise<CommandResult> {
  const [{ loadConfig, saveConfig, redact }, { openStore }, { tiktokshopInitSteps }] = await Promise.all([
    import("../../config/index.js"),
    import("../../store/index.js"),
    import("../../setup/tiktokshop/index.js"),
  ]);
  const config = loadConfig(configPath, process.env);
  const p = deps.prompter;
  // Prompt names (what scripted answers key on) come from the question: "tiktokshop.app-key", ...
  const name = (message: string) =>
    `tiktokshop.${message
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40)}`;
  const store = openStore(config.statePath);
  try {
    const { config: next, result } = await tiktokshopInitSteps({
      config,
      store,
      out: { write: (text) => deps.write(text.replace(/\n$/, "")) },
      prompts: {
        input: (message, o) =>
          p.input({
            name: name(message),
            message,
            ...(o?.default !== undefined ? { default: o.default } : {}),
            ...(o?.validate ? { validate: o.validate } : {}),
          }),
        password: (message) => p.password({ name: name(message), message }),
        confirm: (message, o) =>
          p.confirm({
            name: name(message),
            message,
            ...(o?.default !== undefined ? { default: o.default } : {}),
          }),
        select: async <T>(message: string, choices: Array<{ name: string; value: T }>) => {
          const picked = await p.select({
            name: name(message),
            message,
            choices: choices.map((c, i) => ({ name: c.name, value: String(i) })),
          });
          return choices[Number(picked)]!.value;
        },
      },
    });
    saveConfig(configPath, next);
    const text = [
      `bound ${result.shops.length} Tokopedia & Shop shop(s) of ${result.sellerName ?? result.openId} to Kommo account ${result.kommoAccount}`,
      result.webhook.url ? `set this webhook URL in Partner Center: ${result.webhook.url}` : "",
      ...result.webhook.warnings.map((w) => `warning: ${w}`),
    ]
      .filter(Boolean)
      .join("\n");
    return withDaemonAnswer(
      { exitCode: 0, text, json: redact(result) as object },
      configPath,
      next.statePath,
    );
  } catch (err) {
    if (isPromptExit(err))
      throw new TkError("TK_ERR_SETUP_INTERRUPTED", `setup interrupted; ${configPath} was not changed`, {
        fix: "run `tokokommo init --source tiktokshop` again when ready",
        exitCode: 1,
      });
    throw err;
  } finally {
    store.close();
  }
}
