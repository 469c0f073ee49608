/**
 * `shops add` (both marketplaces) takes the new shop's routing keys from flags only (it never prompts): checked
 * against the Kommo account's pipelines and users before anything is written (lead-routing.ts).
 */

import { MemoryTokenStore, type TokenStore } from "../auth/token-store.js";
import type { Prompter } from "../cli/prompts.js";
import type { Config, Env } from "../config/index.js";
import { kommoRestClient } from "../daemon/clients.js";
import { openStore } from "../store/index.js";
import { Asker } from "./asker.js";
import { chooseRouting, type RoutingFlags, type RoutingKeys } from "./lead-routing.js";

const noPrompts: Prompter = {
  input: () => Promise.reject(new Error("shops add does not prompt")),
  password: () => Promise.reject(new Error("shops add does not prompt")),
  confirm: () => Promise.reject(new Error("shops add does not prompt")),
  select: () => Promise.reject(new Error("shops add does not prompt")),
};

/** The routing keys the flags give, verified with the account's REST API (OAuth pairs from the state file). */
export async function routingFromFlags(
  config: Config,
  kommoAccount: string,
  flags: RoutingFlags,
  env: Env,
): Promise<RoutingKeys> {
  const account = config.kommo.accounts.find((a) => a.name === kommoAccount);
  if (!account) return {};
  const oauth = !("longLivedToken" in account.auth);
  const store = oauth ? openStore(config.statePath) : undefined;
  const tokens: TokenStore = store ? store.tokens : new MemoryTokenStore();
  try {
    const ask = new Asker(false, noPrompts, env, () => undefined);
    return await chooseRouting(ask, () => kommoRestClient(account, config, tokens), flags);
  } finally {
    store?.close();
  }
}

/** The routing flags of a command's options. */
export function routingFlagsOf(opts: Record<string, unknown>): RoutingFlags {
  const s = (v: unknown) => (typeof v === "string" ? v : undefined);
  const tags = opts.leadTag;
  return {
    pipeline: s(opts.pipeline),
    responsibleUser: s(opts.responsibleUser),
    leadTag: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : s(tags),
  };
}
