/**
 * The Kommo account the shop's chats go to: one of the config (re-verified), or a new one signed in with a
 * long-lived token or OAuth (integration id, secret and an authorization code, exchanged once).
 */
import { MemoryTokenStore, type TokenStore } from "../../auth/token-store.js";
import type { Config, KommoAccount } from "../../config/index.js";
import { envToken } from "../../config/secrets.js";
import { kommoRestClient } from "../../daemon/clients.js";
import { openStore } from "../../store/index.js";
import type { Asker } from "../asker.js";
import { listAt, strAt } from "../config-file.js";
import { kommoSubdomain, validKommoSubdomain } from "../kommo-subdomain.js";
import { validName, validUrl } from "../validate.js";
import type { InitDraft, InitStep, InitTools, NewAccountDraft } from "./draft.js";

export const kommoVar = (account: string, suffix: string) => `TOKOKOMMO_KOMMO_${envToken(account)}_${suffix}`;

/** The account init uses: --kommo-account, else (when the file has accounts) the first one or a pick. */
async function accountName(d: InitDraft, ask: Asker): Promise<string | undefined> {
  if (d.flags.kommoAccount !== undefined) return d.flags.kommoAccount;
  const names = listAt(d.file.raw, "kommo", "accounts").flatMap((a) => strAt(a, "name") ?? []);
  if (names.length === 0) return undefined;
  if (!ask.interactive) return names[0];
  return ask.prompter.select({
    id: "kommo.account",
    message: "Kommo account for this shop",
    choices: [...names.map((n) => ({ value: n, name: n })), { value: "", name: "a new account" }],
    default: names[0] ?? "",
  });
}

/** The account when the (complete) config already has it; a seed file's half-written one is set up anew. */
export function knownAccount(config: Config | undefined, name: string | undefined): KommoAccount | undefined {
  return name ? config?.kommo.accounts.find((a) => a.name === name) : undefined;
}

export const kommoAccountStep: InitStep = {
  title: "Kommo account",
  async run(d, tools) {
    const { ask, say } = tools;
    const name = await accountName(d, ask);
    const config = d.file.config;
    const known = knownAccount(config, name);
    if (config && known) {
      await ask.verified("kommo.auth", async () => {
        say(`  checking account ${known.subdomain}...`);
        const info = await withAccountTokens(config, known, (t) =>
          kommoRestClient(known, { endpoints: d.endpoints }, t).account(),
        );
        say(`  ✔ ${info.name || known.subdomain} (amojo_id ${info.amojoId})`);
      });
      d.account = { kind: "known", name: known.name, scopeId: known.scopeId };
      return;
    }
    d.account = await newAccount(d, tools, name);
  },
};

async function newAccount(
  d: InitDraft,
  tools: InitTools,
  given: string | undefined,
): Promise<NewAccountDraft> {
  const { ask } = tools;
  const subAnswer = await ask.need({
    id: "kommo.subdomain",
    message: "Kommo subdomain (acme for acme.kommo.com; the address works too)",
    flag: "--kommo-subdomain",
    flagValue: d.flags.kommoSubdomain,
    validate: validKommoSubdomain,
  });
  const subdomain = kommoSubdomain(subAnswer.value) ?? subAnswer.value;
  const name =
    given ||
    (
      await ask.need({
        id: "kommo.name",
        message: "Name for this Kommo account in the config",
        flag: "--kommo-account",
        default: subdomain,
        validate: validName,
      })
    ).value;
  const kind = await authKind(d, ask, name);
  return ask.verified("kommo.auth", (fresh) =>
    kind === "longLived"
      ? signInWithToken(d, tools, { name, subdomain }, fresh)
      : signInWithOAuth(d, tools, { name, subdomain }, fresh),
  );
}

async function authKind(d: InitDraft, ask: Asker, name: string): Promise<"longLived" | "oauth"> {
  if (d.flags.kommoToken || ask.env[kommoVar(name, "LONG_LIVED_TOKEN")]) return "longLived";
  if (d.flags.kommoClientId) return "oauth";
  if (!ask.interactive) return "longLived";
  return ask.prompter.select({
    id: "kommo.authKind",
    message: "How does tokokommo sign in to Kommo?",
    choices: [
      { value: "longLived", name: "a long-lived token (private integration)" },
      { value: "oauth", name: "OAuth (integration id, secret and an authorization code)" },
    ],
    default: "longLived",
  });
}

type Who = { name: string; subdomain: string };

async function signInWithToken(
  d: InitDraft,
  { ask, say }: InitTools,
  who: Who,
  fresh: boolean,
): Promise<NewAccountDraft> {
  const t = await ask.need(
    {
      id: "kommo.token",
      message: "Long-lived token",
      flag: "--kommo-token",
      flagValue: d.flags.kommoToken,
      envVar: kommoVar(who.name, "LONG_LIVED_TOKEN"),
      secret: true,
    },
    fresh,
  );
  say(`  checking the token on ${who.subdomain}...`);
  const auth = { longLivedToken: t.value };
  const info = await kommoRestClient({ ...who, auth }, { endpoints: d.endpoints }, d.tokens).account();
  say(`  ✔ ${info.name || who.subdomain} (amojo_id ${info.amojoId})`);
  return { kind: "new", ...who, auth, authSecretFromEnv: t.fromEnv, oauthPair: false, amojoId: info.amojoId };
}

async function signInWithOAuth(
  d: InitDraft,
  { ask, say }: InitTools,
  who: Who,
  fresh: boolean,
): Promise<NewAccountDraft> {
  const f = d.flags;
  const q = (id: string, message: string, flag: string, flagValue: string | undefined) =>
    ask.need({ id, message, flag, flagValue }, fresh);
  const clientId = (await q("kommo.clientId", "Integration ID", "--kommo-client-id", f.kommoClientId)).value;
  const secret = await ask.need(
    {
      id: "kommo.clientSecret",
      message: "Secret key",
      flag: "--kommo-client-secret",
      flagValue: f.kommoClientSecret,
      envVar: kommoVar(who.name, "CLIENT_SECRET"),
      secret: true,
    },
    fresh,
  );
  const redirectUri = (
    await ask.need(
      {
        id: "kommo.redirectUri",
        message: "Redirect URI of the integration",
        flag: "--kommo-redirect-uri",
        flagValue: f.kommoRedirectUri,
        validate: validUrl,
      },
      fresh,
    )
  ).value;
  const code = await ask.need(
    {
      id: "kommo.authCode",
      message: "Authorization code (from the redirect, valid 20 minutes)",
      flag: "--kommo-auth-code",
      flagValue: f.kommoAuthCode,
      secret: true,
    },
    fresh,
  );
  const auth = { clientId, clientSecret: secret.value, redirectUri };
  const client = kommoRestClient({ ...who, auth }, { endpoints: d.endpoints }, d.tokens);
  say(`  exchanging the code on ${who.subdomain}...`);
  await client.exchangeCode(code.value);
  const info = await client.account();
  say(`  ✔ ${info.name || who.subdomain} (amojo_id ${info.amojoId})`);
  return {
    kind: "new",
    ...who,
    auth,
    authSecretFromEnv: secret.fromEnv,
    oauthPair: true,
    amojoId: info.amojoId,
  };
}

/**
 * Tokens for re-checking an existing account. OAuth pairs live in the state file and a check may rotate them
 * (single-use refresh tokens), so the real store is used read-write: a rotated pair must never be lost.
 */
export function withAccountTokens<T>(
  config: Config,
  account: KommoAccount,
  fn: (store: TokenStore) => Promise<T>,
): Promise<T> {
  if ("longLivedToken" in account.auth) return fn(new MemoryTokenStore());
  const store = openStore(config.statePath);
  return fn(store.tokens).finally(() => store.close());
}
