/**
 * The flags of `tokokommo init --source tiktokshop` and what a scripted run must give: checked all at once,
 * against the config only, so a run missing three flags says so in one error before any platform call (and
 * before the seller's single-use authorization code is spent).
 */
import { type Config, type Env, SECRET_FIELDS, secretEnvVar } from "../../config/index.js";
import { SHOP_ID_RE } from "../../config/names.js";
import { usageError } from "../../errors/index.js";

export interface TikTokShopInitFlags {
  interactive?: boolean;
  /** The app's name in tiktokshop.apps (an existing one, or a new one added with the three below). */
  app?: string;
  appKey?: string;
  serviceId?: string;
  /** The seller's authorization code (or the redirect URL carrying it). */
  authCode?: string;
  kommoAccount?: string;
  /** Bind only these shops; all the seller authorized when empty. */
  shops?: string[];
}

const APP_SECRET = SECRET_FIELDS.find((f) => f.section === "tiktokshop" && f.envSuffix === "APP_SECRET");

/** TOKOKOMMO_TIKTOKSHOP_<APP>_APP_SECRET: the only way to give a new app's secret without a prompt. */
export function appSecretEnvVar(app: string): string {
  if (!APP_SECRET) throw new Error("tiktokshop appSecret is not a secret field");
  return secretEnvVar(APP_SECRET, app);
}

/** What a non-interactive run lacks: flags, and the env var of a new app's secret. */
export function missingTikTokShopFlags(flags: TikTokShopInitFlags, config: Config, env: Env): string[] {
  const missing: string[] = [];
  if (!flags.app) missing.push("--app");
  else if (!config.tiktokshop.apps.some((a) => a.name === flags.app)) {
    if (!flags.appKey) missing.push("--app-key");
    if (!flags.serviceId) missing.push("--service-id");
    if (!env[appSecretEnvVar(flags.app)]) missing.push(`env ${appSecretEnvVar(flags.app)}`);
  }
  if (!flags.authCode) missing.push("--auth-code");
  if (!flags.kommoAccount) missing.push("--kommo-account");
  return missing;
}

/** The shop ids of repeatable (or comma-separated) --shop flags; a malformed id is a usage error. */
export function parseShopIds(value: string | string[] | undefined): string[] {
  const ids = (Array.isArray(value) ? value : value !== undefined ? [value] : [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const id of ids) {
    if (!SHOP_ID_RE.test(id))
      throw usageError(
        `--shop ${JSON.stringify(id)} is not a shop id`,
        "pass the numeric shop id, e.g. --shop 7494049642642441621",
      );
  }
  return ids;
}
