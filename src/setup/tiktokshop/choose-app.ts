/**
 * The TikTok Shop app a seller is bound through: one already in the config, or a new one whose key and secret
 * the token host accepted. A new app's secret given in the env stays out of the config file.
 */
import {
  attachEnvSecrets,
  type Config,
  envSecretsOf,
  SECRET_FIELDS,
  type TiktokshopApp,
} from "../../config/index.js";
import { usageError } from "../../errors/index.js";
import {
  DEFAULT_DAILY_CALL_QUOTA,
  DEFAULT_QUOTA_DAY_START_UTC,
  DEFAULT_REPLY_RESERVE,
} from "../../sources/tiktokshop/quota.js";
import type { Asker, Write } from "../asker.js";
import { validName } from "../validate.js";
import { verifyTikTokShopCredentials } from "./credentials.js";
import { appSecretEnvVar, type TikTokShopInitFlags } from "./init-flags.js";

export async function chooseTikTokShopApp(
  config: Config,
  flags: TikTokShopInitFlags,
  ask: Asker,
  say: Write,
): Promise<{ config: Config; app: TiktokshopApp }> {
  const existing = config.tiktokshop.apps;
  let name = flags.app;
  if (!name && ask.interactive && existing.length > 0) {
    name = await ask.prompter.select({
      id: "tiktokshop.app",
      message: "Tokopedia & Shop app",
      choices: [
        ...existing.map((a) => ({ name: a.name, value: a.name })),
        { name: "Add another app", value: "" },
      ],
    });
  }
  const known = existing.find((a) => a.name === name);
  if (known) {
    if (flags.appKey && flags.appKey !== known.appKey)
      throw usageError(
        `app "${known.name}" is already in the config with another app key`,
        "leave out --app-key to use it as it is, or give the new app another --app name",
      );
    return { config, app: known };
  }
  const taken = existing.map((a) => a.name);
  const appName = (
    await ask.need({
      id: "tiktokshop.appName",
      message: "Name for this app in tokokommo",
      flag: "--app",
      flagValue: name,
      ...(taken.includes("tts") ? {} : { default: "tts" }),
      validate: (v) => (taken.includes(v) ? "that name is taken" : validName(v)),
    })
  ).value;
  return addApp(config, appName, flags, ask, say);
}

/** Asks the new app's service id, key and secret, and checks the key and secret live (re-asked on refusal). */
async function addApp(
  config: Config,
  name: string,
  flags: TikTokShopInitFlags,
  ask: Asker,
  say: Write,
): Promise<{ config: Config; app: TiktokshopApp }> {
  const serviceId = (
    await ask.need({
      id: "tiktokshop.serviceId",
      message: "Service id (the service_id in Partner Center's authorization link)",
      flag: "--service-id",
      flagValue: flags.serviceId,
    })
  ).value.trim();
  return ask.verified("tiktokshop.credentials", async (fresh) => {
    const appKey = (
      await ask.need(
        { id: "tiktokshop.appKey", message: "App key", flag: "--app-key", flagValue: flags.appKey },
        fresh,
      )
    ).value.trim();
    const secret = await ask.need(
      { id: "tiktokshop.appSecret", message: "App secret", envVar: appSecretEnvVar(name), secret: true },
      fresh,
    );
    const app: TiktokshopApp = {
      name,
      appKey,
      appSecret: secret.value.trim(),
      serviceId,
      dailyCallQuota: DEFAULT_DAILY_CALL_QUOTA,
      replyReserve: DEFAULT_REPLY_RESERVE,
      quotaDayStartUtc: DEFAULT_QUOTA_DAY_START_UTC,
    };
    const check = await verifyTikTokShopCredentials(app, config);
    if (check.ok === false) throw check.error;
    say(
      check.ok === true
        ? "  ✔ app key and secret accepted by Tokopedia & Shop"
        : `  ! could not verify the app key and secret (${check.reason})`,
    );
    const next: Config = { ...config, tiktokshop: { apps: [...config.tiktokshop.apps, app] } };
    return { config: secret.fromEnv ? keepSecretInEnv(next, app) : next, app };
  });
}

/** Marks the new app's secret as coming from the env, so saving the config leaves it out of the file. */
function keepSecretInEnv(config: Config, app: TiktokshopApp): Config {
  const spec = SECRET_FIELDS.find((f) => f.section === "tiktokshop" && f.envSuffix === "APP_SECRET");
  if (!spec) return config;
  const entry = {
    spec,
    entryName: app.name,
    envVar: appSecretEnvVar(app.name),
    envValue: app.appSecret,
    fileValue: undefined,
  };
  return attachEnvSecrets(config, [...envSecretsOf(config), entry]);
}
