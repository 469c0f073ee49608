/**
 * `tokokommo init`: the guided setup of src/setup (Tokopedia by default, `--source tiktokshop` to add a seller).
 * Interactive only when asked to be and stdin is a terminal; otherwise every answer comes from flags and env.
 * Progress lines go through `write` (stdout by default); Ctrl-C ends with TK_ERR_SETUP_INTERRUPTED (exit 130) and
 * the previous config untouched (it is written only at the end).
 */
import { type Config, resolveConfigPath } from "../../config/index.js";
import { usageError } from "../../errors/index.js";
import { Asker } from "../../setup/asker.js";
import { interruptedError } from "../../setup/interrupted.js";
import { routingFlagsOf } from "../../setup/shop-routing-flags.js";
import type { TikTokShopInitFlags } from "../../setup/tiktokshop/init-flags.js";
import type { InitFlags } from "../../setup/tokopedia/index.js";
import type { Store } from "../../store/index.js";
import { withDaemonAnswer } from "../daemon-answer.js";
import { untilInterrupted } from "../interrupt.js";
import { inquirerPrompter, type Prompter } from "../prompts.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

const TOKOPEDIA_FLAGS = [
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

/** Maps commander's options (one flag per answer) to InitFlags. */
export function initFlagsFrom(opts: Record<string, unknown>, interactive = true): InitFlags {
  const flags: InitFlags = { interactive: interactive && opts.interactive !== false };
  for (const k of TOKOPEDIA_FLAGS) {
    const v = str(opts[k]);
    if (v !== undefined) flags[k] = v;
  }
  if (opts.takeOverWebhook === true) flags.takeOverWebhook = true;
  flags.routing = routingFlagsOf(opts);
  return flags;
}

interface InitIO {
  write: (line: string) => void;
  prompter: Prompter;
  interactive: boolean;
}

export async function initCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  _args: string[] = [],
  io: Partial<CommandIO> & { prompter?: Prompter } = {},
): Promise<CommandResult> {
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const source = str(opts.source) ?? "tokopedia";
  if (source !== "tokopedia" && source !== "tiktokshop")
    throw usageError(
      `unknown --source "${source}"`,
      "use --source tokopedia (default) or --source tiktokshop",
    );
  // With --json, stdout carries only the result: progress goes to stderr.
  const out =
    opts.json === true
      ? (t: string) => process.stderr.write(t)
      : (io.write ?? ((t: string) => process.stdout.write(t)));
  const initIO: InitIO = {
    write: (line) => out(`${line}\n`),
    prompter: io.prompter ?? inquirerPrompter(),
    // No terminal on stdin: nobody can answer a prompt, so the run is scripted whatever the flags say.
    interactive: opts.interactive !== false && io.interactive !== false,
  };
  const again = source === "tiktokshop" ? "tokokommo init --source tiktokshop" : "tokokommo init";
  return untilInterrupted(
    (signal) =>
      source === "tiktokshop"
        ? initTikTokShop(configPath, opts, initIO, signal)
        : initTokopedia(configPath, opts, initIO, signal),
    () => interruptedError(configPath, again),
  );
}

async function initTokopedia(
  configPath: string,
  opts: Record<string, unknown>,
  io: InitIO,
  signal: AbortSignal,
): Promise<CommandResult> {
  const { runInit } = await import("../../setup/tokopedia/index.js");
  const result = await runInit(initFlagsFrom(opts, io.interactive), {
    configPath,
    prompter: io.prompter,
    write: io.write,
    env: process.env,
    signal,
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
  // Whether a running daemon took the config just written (it reloads on file change).
  return withDaemonAnswer(answer, result.configPath, result.config.statePath);
}

/**
 * `tokokommo init --source tiktokshop`: adds a Tokopedia & Shop seller to an existing config: app, the seller's
 * authorization, tokens into the state file, shops bound, the webhook URL to set (src/setup/tiktokshop).
 */
async function initTikTokShop(
  configPath: string,
  opts: Record<string, unknown>,
  io: InitIO,
  signal: AbortSignal,
): Promise<CommandResult> {
  const [{ loadConfig, saveConfig, redact }, { openStore }, tts] = await Promise.all([
    import("../../config/index.js"),
    import("../../store/index.js"),
    import("../../setup/tiktokshop/index.js"),
  ]);
  const flags: TikTokShopInitFlags = {
    shops: tts.parseShopIds(Array.isArray(opts.shop) ? opts.shop.map(String) : str(opts.shop)),
  };
  for (const k of ["app", "appKey", "serviceId", "authCode", "kommoAccount"] as const) {
    const v = str(opts[k]);
    if (v) flags[k] = v;
  }
  const config = loadConfig(configPath, process.env);
  const ask = new Asker(io.interactive, io.prompter, process.env, io.write);
  const store = openStore(config.statePath);
  try {
    const bound = await tts.tiktokshopInitSteps({ config, flags, store, ask, signal });
    const { result } = bound;
    const next = await routedTikTokShops(bound.config, result, ask, store, opts);
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
  } finally {
    store.close();
  }
}

/** The routing keys of the shops an init just bound, from the flags or the operator's choice (lead-routing.ts). */
async function routedTikTokShops(
  config: Config,
  result: { kommoAccount: string; shops: { shopId: string; added: boolean }[] },
  ask: Asker,
  store: Store,
  opts: Record<string, unknown>,
): Promise<Config> {
  const added = result.shops.filter((s) => s.added).map((s) => s.shopId);
  const account = config.kommo.accounts.find((a) => a.name === result.kommoAccount);
  if (added.length === 0 || !account) return config;
  const [{ chooseRouting, withRouting }, { routingFlagsOf }, { kommoRestClient }] = await Promise.all([
    import("../../setup/lead-routing.js"),
    import("../../setup/shop-routing-flags.js"),
    import("../../daemon/clients.js"),
  ]);
  const keys = await chooseRouting(
    ask,
    () => kommoRestClient(account, config, store.tokens),
    routingFlagsOf(opts),
  );
  return withRouting(config, "tiktokshop", added, keys);
}
