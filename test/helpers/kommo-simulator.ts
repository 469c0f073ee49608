/** The Kommo simulator for a file's tests: started before them, closed after. */
import { afterAll, beforeAll } from "vitest";
import type { TokenStore } from "../../src/auth/token-store.js";
import { KommoChatsClient, type KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import {
  type KommoSimulator,
  type OAuthClient,
  type SimAccount,
  startKommoSimulator,
} from "../../src/sim/kommo/index.js";

export interface KommoSimulatorHolder {
  /** The started simulator (read it inside a test or a later hook). */
  readonly sim: KommoSimulator;
}

export function useKommoSimulator(): KommoSimulatorHolder {
  let sim: KommoSimulator | undefined;
  beforeAll(async () => {
    sim = await startKommoSimulator();
  });
  afterAll(async () => {
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim)
        throw new Error("useKommoSimulator: the simulator is not started yet (read it inside a test)");
      return sim;
    },
  };
}

/**
 * A new channel of the simulator whose webhooks go nowhere (a closed port), connected to `account`: the chats
 * client that writes as a buyer, and the scope of that account.
 */
export async function connectChannel(
  sim: KommoSimulator,
  account: SimAccount,
): Promise<{ chats: KommoChatsClient; scopeId: string }> {
  const channel = sim.addChannel({ hookUrl: "http://127.0.0.1:9/:scope_id" });
  const chats = new KommoChatsClient({
    baseUrl: sim.url,
    channelId: channel.id,
    channelSecret: channel.secret,
  });
  return { chats, scopeId: (await chats.connect(account.amojoId)).scopeId };
}

/** The simulator of useKommoOAuth, its account "acme" and OAuth client, and REST clients authorized through them. */
export interface KommoOAuthWorld {
  readonly sim: KommoSimulator;
  readonly account: SimAccount;
  /** A new authorization code for the account, as the consent screen hands it to the bridge. */
  authorizationCode(): string;
  /** A REST client of the OAuth client, keeping its token pair in `store` under `key`. */
  client(
    store: TokenStore,
    key: string,
    o: { now: () => number; limiter: KommoRateLimiter },
  ): KommoRestClient;
}

/**
 * The Kommo simulator for a file's OAuth tests, with one account and one OAuth client: started before them,
 * closed after. Rate limits are not under test there, so it allows 50 requests a second.
 */
export function useKommoOAuth(): KommoOAuthWorld {
  let started: { sim: KommoSimulator; account: SimAccount; oauth: OAuthClient } | undefined;
  beforeAll(async () => {
    const sim = await startKommoSimulator({ rateLimit: { rps: 50 } });
    const account = sim.addAccount({ subdomain: "acme" });
    const oauth = sim.addOAuthClient({ redirectUri: "https://bridge.example.com/oauth/kommo" });
    started = { sim, account, oauth };
  });
  afterAll(async () => {
    await started?.sim.close();
  });
  const world = () => {
    if (!started) throw new Error("useKommoOAuth: the simulator is not started yet (read it inside a test)");
    return started;
  };
  return {
    get sim() {
      return world().sim;
    },
    get account() {
      return world().account;
    },
    authorizationCode: () => world().sim.authorizationCode(world().account.id, world().oauth.clientId),
    client: (store, key, o) =>
      new KommoRestClient({
        baseUrl: world().sim.url,
        auth: { kind: "oauth", ...world().oauth },
        tokenStore: store,
        tokenKey: key,
        limiter: o.limiter,
        now: o.now,
      }),
  };
}
