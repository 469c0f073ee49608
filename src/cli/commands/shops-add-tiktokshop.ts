/**
 * `tokokommo shops add --source tiktokshop --app NAME --auth-code CODE --kommo-account NAME [--shop ID ...]`
 * (README, Real setup): exchanges the seller's code, stores the tokens in the state file, binds the authorized shops
 * (all, or those named) and writes the config. Nothing is written when any check fails.
 */
import { loadConfig, redact, resolveConfigPath, saveConfig } from "../../config/index.js";
import { type RoutingKeys, withRouting } from "../../setup/lead-routing.js";
import { missingFlagsError } from "../../setup/missing-flags.js";
import { bindTikTokShopSeller, parseShopIds } from "../../setup/tiktokshop/index.js";
import { openStore } from "../../store/index.js";
import { withDaemonAnswer } from "../daemon-answer.js";
import type { CommandResult, GlobalOptions } from "../result.js";

export interface ShopsAddTikTokShopOptions {
  app?: string;
  authCode?: string;
  kommoAccount?: string;
  /** Repeatable --shop; commander gives a string or a list depending on how it is declared. */
  shop?: string | string[];
  /** The routing keys of the shops this run binds (shops already bound keep theirs). */
  routing?: RoutingKeys;
}

export async function runShopsAddTikTokShop(
  opts: ShopsAddTikTokShopOptions,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const given = { "--app": opts.app, "--auth-code": opts.authCode, "--kommo-account": opts.kommoAccount };
  const missing = Object.entries(given).flatMap(([flag, v]) => (v?.trim() ? [] : [flag]));
  if (missing.length > 0) throw missingFlagsError("shops add --source tiktokshop", missing);
  const app = opts.app?.trim() ?? "";
  const authCode = opts.authCode?.trim() ?? "";
  const kommoAccount = opts.kommoAccount?.trim() ?? "";
  const shopIds = parseShopIds(opts.shop);

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
    const r = bound.result;
    const added = r.shops.filter((s) => s.added).map((s) => s.shopId);
    saveConfig(path, withRouting(bound.config, "tiktokshop", added, opts.routing ?? {}));
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
