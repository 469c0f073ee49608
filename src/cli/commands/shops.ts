import { loadConfig, redact, resolveConfigPath, saveConfig } from "../../config/index.js";
import { TkError, usageError } from "../../errors/index.js";
import { withDaemonAnswer } from "../daemon-answer.js";
import type { CommandResult, GlobalOptions } from "../result.js";
import { formatTable } from "../table.js";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** `tokokommo shops list [--json]`: the shops bound in the config file. */
export async function shopsListCommand(
  _opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const path = resolveConfigPath({ config: globals.config }, process.env);
  // Secrets may live only in the daemon's env file: listing needs none.
  const config = loadConfig(path, process.env, { secretsOptional: true });
  const text = formatTable(
    ["SOURCE", "SHOP ID", "NAME", "APP", "KOMMO ACCOUNT"],
    config.shops.map((s) => [s.source, s.shopId, s.name ?? "-", s.app, s.kommoAccount]),
  );
  return { exitCode: 0, text, json: redact(config.shops) };
}

/**
 * `tokokommo shops add`: binds a shop without prompts. Each source has its own module; this only dispatches
 * (`--source tokopedia`, the default, or `tiktokshop`).
 */
export async function shopsAddCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const path = resolveConfigPath({ config: globals.config }, process.env);
  const source = str(opts.source) ?? "tokopedia";
  const app = str(opts.app);
  const kommoAccount = str(opts.kommoAccount);
  if (!app || !kommoAccount)
    throw usageError(
      "shops add needs --app NAME and --kommo-account NAME",
      "name an app and a Kommo account from the config (`tokokommo shops list` shows them)",
    );
  const config = loadConfig(path, process.env);
  if (!config.kommo.accounts.some((a) => a.name === kommoAccount))
    throw usageError(
      `"${kommoAccount}" is not a Kommo account in the config (${config.kommo.accounts.map((a) => a.name).join(", ")})`,
      "use one of those names, or add the account with `tokokommo init`",
    );
  // Checked before anything is written: a mistyped pipeline or user id stops here.
  const { routingFlagsOf, routingFromFlags } = await import("../../setup/shop-routing-flags.js");
  const routing = await routingFromFlags(config, kommoAccount, routingFlagsOf(opts), process.env);
  if (source === "tiktokshop") {
    const { runShopsAddTikTokShop } = await import("./shops-add-tiktokshop.js");
    const shop = Array.isArray(opts.shop)
      ? opts.shop.filter((x): x is string => typeof x === "string")
      : str(opts.shop);
    return runShopsAddTikTokShop(
      {
        app,
        kommoAccount,
        ...(str(opts.authCode) ? { authCode: str(opts.authCode)! } : {}),
        ...(shop ? { shop } : {}),
        routing,
      },
      globals,
    );
  }
  if (source !== "tokopedia") throw usageError(`unknown --source "${source}"`, "use tokopedia or tiktokshop");
  const domain = str(opts.shopDomain);
  if (!domain)
    throw usageError(
      "shops add needs --shop-domain DOMAIN (e.g. tokopedia.com/kommo)",
      "pass the shop's Tokopedia URL or domain",
    );
  const { addTokopediaShop } = await import("../../setup/tokopedia/add-tokopedia-shop.js");
  const { shop, added } = await addTokopediaShop(config, path, { app, domain, kommoAccount, routing });
  const text = `${added ? "bound" : "already bound"}: tokopedia shop ${shop.shopId} (${shop.name ?? "-"}) -> ${shop.kommoAccount} via app ${shop.app}`;
  return withDaemonAnswer(
    { exitCode: 0, text, json: { added, shops: [redact(shop)] } },
    path,
    config.statePath,
  );
}

/** `tokokommo shops remove <shopId>`: unbinds a shop from the config (the last one cannot go). */
export async function shopsRemoveCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
  args: string[],
): Promise<CommandResult> {
  const path = resolveConfigPath({ config: globals.config }, process.env);
  const shopId = args[0] ?? "";
  // Calls no platform: secrets kept only in the daemon's env file may be missing here (and are not written).
  const config = loadConfig(path, process.env, { secretsOptional: true });
  const gone = config.shops.filter((s) => s.shopId === shopId);
  if (gone.length === 0)
    throw new TkError("TK_ERR_SETUP_SHOP_NOT_IN_CONFIG", `shop ${shopId} is not bound in ${path}`, {
      fix: "see `tokokommo shops list` for the bound shop ids",
      exitCode: 1,
    });
  const rest = config.shops.filter((s) => s.shopId !== shopId);
  if (rest.length === 0)
    throw new TkError(
      "TK_ERR_SETUP_LAST_SHOP",
      `shop ${shopId} is the only shop in ${path}; a config needs one`,
      {
        fix: "bind another shop first (`tokokommo shops add`), or stop the daemon instead",
        exitCode: 1,
      },
    );
  saveConfig(path, { ...config, shops: rest });
  void opts;
  return withDaemonAnswer(
    {
      exitCode: 0,
      text: `removed: ${gone.map((s) => `${s.source} shop ${s.shopId}`).join(", ")}`,
      json: { removed: redact(gone) },
    },
    path,
    config.statePath,
  );
}
