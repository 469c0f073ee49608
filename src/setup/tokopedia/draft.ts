/**
 * What `init` (Tokopedia) knows while it runs: the flags, the file as found, and what each step verified. Steps
 * fill the draft in order; nothing reaches the config file until the last step writes it in one go.
 */
import type { MemoryTokenStore } from "../../auth/token-store.js";
import type { Prompter } from "../../cli/prompts.js";
import type { Config, Endpoints, Env, KommoAuth, TokopediaApp } from "../../config/index.js";
import type { TokopediaClient } from "../../sources/tokopedia/index.js";
import type { TkShopInfo } from "../../sources/tokopedia/types.js";
import type { Asker, Write } from "../asker.js";
import type { ConfigFile } from "../config-file.js";
import type { RoutingFlags, RoutingKeys } from "../lead-routing.js";

/** One flag per answer (program.ts); secrets may come from TOKOKOMMO_* env vars instead. */
export interface InitFlags {
  interactive?: boolean;
  publicUrl?: string;
  state?: string;
  app?: string;
  fsId?: string;
  clientId?: string;
  clientSecret?: string;
  webhookSecret?: string;
  egressIp?: string;
  shopDomain?: string;
  kommoAccount?: string;
  kommoSubdomain?: string;
  kommoToken?: string;
  kommoClientId?: string;
  kommoClientSecret?: string;
  kommoRedirectUri?: string;
  kommoAuthCode?: string;
  channelId?: string;
  channelSecret?: string;
  /** Replace a chat webhook URL another bridge registered for the app (asked when interactive). */
  takeOverWebhook?: boolean;
  /** --pipeline, --responsible-user, --lead-tag (lead-routing.ts). */
  routing?: RoutingFlags;
}

export interface InitDeps {
  configPath: string;
  prompter: Prompter;
  write: Write;
  env: Env;
  /** Aborted on Ctrl-C: no step runs and nothing is written after it. */
  signal?: AbortSignal;
  /** For next steps' systemd unit. */
  execPath?: string;
}

export interface InitResult {
  configPath: string;
  config: Config;
  app: string;
  shop?: { shopId: string; name: string; added: boolean };
  kommoAccount: string;
  scopeId: string;
  chatWebhookUrl?: string;
  kommoHookUrl?: string;
  text: string;
}

/** The Tokopedia app as verified: full values for the client, and which secrets stay in the env. */
export interface AppDraft {
  app: Omit<TokopediaApp, "requestsPerSecond">;
  /** The app was in the file already (its other keys are kept). */
  known: boolean;
  clientSecretFromEnv: boolean;
  webhookSecretFromEnv: boolean;
  client: TokopediaClient;
}

/** A new Kommo account as verified; `channel` once connected. */
export interface NewAccountDraft {
  kind: "new";
  name: string;
  subdomain: string;
  auth: KommoAuth;
  /** The token or OAuth secret came from the env: keep it out of the file. */
  authSecretFromEnv: boolean;
  /** An OAuth pair was obtained (in the draft's token store) and must go to the state file. */
  oauthPair: boolean;
  amojoId: string;
  channel?: { id: string; secret: string; secretFromEnv: boolean; scopeId: string };
}

/** A Kommo account of the existing config, re-verified. */
export interface KnownAccountDraft {
  kind: "known";
  name: string;
  scopeId: string;
}

export interface InitDraft {
  readonly flags: InitFlags;
  readonly configPath: string;
  readonly file: ConfigFile;
  readonly endpoints: Endpoints;
  /** Tokens obtained while verifying (a Kommo OAuth pair); only the pair is kept. */
  readonly tokens: MemoryTokenStore;
  publicUrl: string | undefined;
  app?: AppDraft;
  shop?: TkShopInfo;
  account?: NewAccountDraft | KnownAccountDraft;
  /** The chat webhook URL registered at Tokopedia. */
  chatWebhookUrl?: string;
  /** The new shop's routing keys (pipeline, responsible user, extra tags). */
  routing?: RoutingKeys;
}

/** What steps use besides the draft: the asker (flags, env, prompts) and the progress line writer. */
export interface InitTools {
  ask: Asker;
  say: Write;
  env: Env;
}

/** One titled step of `init` (the np habit): skipped when `enabled` says it does not apply to this run. */
export interface InitStep {
  title: string;
  enabled?: (draft: InitDraft) => boolean;
  run(draft: InitDraft, tools: InitTools): Promise<void>;
}

/** The verified app; steps after the app step may rely on it. */
export function appOf(draft: InitDraft): AppDraft {
  if (!draft.app) throw new Error("init: the app step has not run");
  return draft.app;
}

export function accountOf(draft: InitDraft): NewAccountDraft | KnownAccountDraft {
  if (!draft.account) throw new Error("init: the Kommo account step has not run");
  return draft.account;
}
