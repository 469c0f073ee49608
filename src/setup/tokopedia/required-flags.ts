/**
 * What a scripted `init` lacks, worked out from the flags, the env and the file before any platform call, so
 * every missing flag is named in one error (the steps would otherwise stop at the first, after calls that may
 * have spent a Kommo authorization code). It mirrors the steps' choices: a known app or Kommo account needs
 * nothing more, a new one needs its credentials.
 */
import type { Env } from "../../config/index.js";
import { answerSource } from "../asker.js";
import { listAt, strAt } from "../config-file.js";
import { kommoSubdomain } from "../kommo-subdomain.js";
import type { InitDraft } from "./draft.js";
import { appEntryOf, clientSecretVar, defaultAppName } from "./step-app.js";
import { knownAccount, kommoVar } from "./step-kommo-account.js";

export function missingInitFlags(d: Pick<InitDraft, "flags" | "file">, env: Env): string[] {
  const f = d.flags;
  const missing: string[] = [];
  const need = (have: unknown, flag: string, envVar?: string) => {
    if (!have && !(envVar && env[envVar]))
      missing.push(answerSource({ flag, ...(envVar ? { envVar } : {}) }));
  };
  const app = f.app ?? defaultAppName(d);
  const entry = appEntryOf(d, app);
  need(f.fsId ?? entry?.fsId, "--fs-id");
  need(f.clientId ?? (entry && strAt(entry, "clientId")), "--client-id");
  need(f.clientSecret ?? (entry && strAt(entry, "clientSecret")), "--client-secret", clientSecretVar(app));
  const shops = d.file.raw.shops;
  if (!Array.isArray(shops) || shops.length === 0) need(f.shopDomain, "--shop-domain");

  const firstAccount = listAt(d.file.raw, "kommo", "accounts")[0];
  const accountName = f.kommoAccount ?? (firstAccount && strAt(firstAccount, "name"));
  if (knownAccount(d.file.config, accountName)) return missing;
  need(f.kommoSubdomain, "--kommo-subdomain");
  // The env var names follow the account's name, which defaults to the subdomain.
  const name = accountName || (f.kommoSubdomain && (kommoSubdomain(f.kommoSubdomain) ?? f.kommoSubdomain));
  const envVar = (suffix: string) => (name ? kommoVar(name, suffix) : `TOKOKOMMO_KOMMO_<ACCOUNT>_${suffix}`);
  const tokenVar = envVar("LONG_LIVED_TOKEN");
  if (f.kommoClientId && !f.kommoToken && !env[tokenVar]) {
    need(f.kommoClientSecret, "--kommo-client-secret", envVar("CLIENT_SECRET"));
    need(f.kommoRedirectUri, "--kommo-redirect-uri");
    need(f.kommoAuthCode, "--kommo-auth-code");
  } else need(f.kommoToken, "--kommo-token", tokenVar);
  need(f.channelId, "--channel-id");
  need(f.channelSecret, "--channel-secret", envVar("CHANNEL_SECRET"));
  return missing;
}
