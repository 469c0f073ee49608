/** Shared setup for Tokopedia tests: a simulator with one bound shop and a client/source pointed at it. */
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import {
  startTokopediaSim,
  type TokopediaSim,
  type TokopediaSimOptions,
} from "../../src/sim/tokopedia/index.js";
import {
  TokopediaClient,
  type TokopediaClientOptions,
  TokopediaSource,
} from "../../src/sources/tokopedia/index.js";

export const WEBHOOK_SECRET = "sim-webhook-secret";

export interface TokopediaSetup {
  sim: TokopediaSim;
  shopId: string;
  store: MemoryTokenStore;
  client: TokopediaClient;
  source: TokopediaSource;
}

export async function setupTokopedia(
  simOpts: TokopediaSimOptions = {},
  clientOpts: Partial<TokopediaClientOptions> = {},
): Promise<TokopediaSetup> {
  const sim = await startTokopediaSim({ webhookDelivery: false, ...simOpts });
  const { shopId } = sim.createShop({ name: "dumiesshop" });
  sim.bindShop(shopId);
  const store = new MemoryTokenStore();
  const client = new TokopediaClient({
    appName: "main",
    fsId: sim.app.fsId,
    clientId: sim.app.clientId,
    clientSecret: sim.app.clientSecret,
    authBaseUrl: sim.authUrl,
    apiBaseUrl: sim.apiUrl,
    tokenStore: store,
    timeoutMs: 2_000,
    ...clientOpts,
  });
  const source = new TokopediaSource({ client, webhookSecret: WEBHOOK_SECRET });
  return { sim, shopId, store, client, source };
}

/** Another client (own rate-limit memory) on the same simulator and token store. */
export function freshSource(
  t: TokopediaSetup,
  clientOpts: Partial<TokopediaClientOptions> = {},
): { client: TokopediaClient; source: TokopediaSource } {
  const client = new TokopediaClient({
    appName: "main",
    fsId: t.sim.app.fsId,
    clientId: t.sim.app.clientId,
    clientSecret: t.sim.app.clientSecret,
    authBaseUrl: t.sim.authUrl,
    apiBaseUrl: t.sim.apiUrl,
    tokenStore: t.store,
    timeoutMs: 2_000,
    ...clientOpts,
  });
  return { client, source: new TokopediaSource({ client, webhookSecret: WEBHOOK_SECRET }) };
}
