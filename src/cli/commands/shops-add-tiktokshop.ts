/**
 * `tokokommo shops add --source tiktokshop --app NAME --auth-code CODE --kommo-account NAME [--shop ID ...]`
 * (README, Real setup): exchanges the seller's code, stores the tokens in the state file, binds the authorized shops
 * (all, or those named) and writes the config. Nothing is written when any check fails.
 */
import { loadConfig, redact, resolveConfigPath, saveConfig } from "../../config/index.js";
import { usageError } from "../../errors/index.js";
import { bindTikTokShopSeller } from "../../setup/tiktokshop/index.js";
import { openStore } from "../../store/index.js";
import { withDaemonAnswer } from "../daemon-answer.js";
import type { CommandResult, GlobalOptions } from "../result.js";

export interface ShopsAddTikTokShopOptions {
  app?: string;
  authCode?: string;
  kommoAccount?: string;
  /** Repeatable --shop; commander gives a string or a list depending on how it is declared. */
  shop?: string | string[];
}

const SHOP_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export async function runShopsAddTikTokShop(
  opts: ShopsAddTikTokShopOptions,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const app = required(opts.app, "--app", "the app's name in tiktokshop.apps");
  const authCode = required(opts.authCode, "--auth-code", "the `code` from the seller's consent redirect");
  const kommoAccount = required(opts.kommoAccount, "--kommo-account", "the account's name in kommo.accounts");
  const shopIds = (Array.isArray(opts.shop) ? opts.shop : opts.shop !== undefined ? [opts.shop] : [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const id of shopIds) {
    if (!SHOP_ID_RE.test(id))
      throw usageError(
        `--shop ${JSON.stringify(id)} is not a shop id`,
        "pass the numeric shop id, e.g. --shop 7494049642642441621",
      );
  }

  const path = resolveConfigPath({ config: globals.config }, process.env);
  const config = loadConfig(path, process.env);
  const store = openStore(config.statePath);
  try {
    const bound = await bindTikTokShopSeller({
      config,
      configPath: path,
      appName: app,
      authCode,
      kommoAccount,
      ...(shopIds.length ? { shopIds } : {}),
      store,
    });
    saveConfig(path, bound.config);
    const r = bound.result;
    const lines = [
      `Tokopedia & Shop seller ${r.sellerName ?? r.openId} authorized app "${r.app}".`,
      ...r.shops.map(
        (s) =>
          `  ${s.added ? "bound" : "already bound"}: ${s.shopId}${s.name ? ` ${s.name}` : ""} (${s.region}) -> Kommo account ${r.kommoAccount}`,
      ),
      r.webhook.url
        ? `Set the webhook URL in Partner Center (app → Basic information → HTTP server URL): ${r.webhook.url}`
        : "No webhook URL: server.publicUrl is not set.",
      ...r.webhook.warnings.map((w) => `warning: ${w}`),
    ];
    return withDaemonAnswer(
      { exitCode: 0, text: lines.join("\n"), json: redact(r) as object },
      path,
      config.statePath,
    );
  } finally {
    store.close();
  }
}

function required(value: string | undefined, flag: string, what: string): string {
  const v = value?.trim();
  if (!v) throw usageError(`${flag} is required with --source tiktokshop`, `pass ${flag} (${what})`);
  return v;
}
