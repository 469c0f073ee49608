/** Wires a TikTokShopSource to a fresh simulator over real HTTP, with one authorized seller and shop. */
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import {
  startTikTokShopSim,
  type TikTokShopSim,
  type TikTokShopSimOptions,
} from "../../src/sim/tiktokshop/index.js";
import { TikTokShopSource, type TikTokShopSourceOptions } from "../../src/sources/tiktokshop/index.js";

export interface TtsFixture {
  sim: TikTokShopSim;
  source: TikTokShopSource;
  store: MemoryTokenStore;
  openId: string;
  shopId: string;
  tokenKey: string;
}

/** A client's or source's app settings for `sim`: its app key and secret, with auth and API on its address. */
export function simApp(sim: TikTokShopSim) {
  return { appKey: sim.appKey, appSecret: sim.appSecret, authBaseUrl: sim.url, apiBaseUrl: sim.url };
}

export async function makeFixture(
  simOptions: TikTokShopSimOptions = {},
  sourceOptions: Partial<TikTokShopSourceOptions> = {},
): Promise<TtsFixture> {
  const sim = await startTikTokShopSim({ appKey: "tk_app", appSecret: "tk_secret_123", ...simOptions });
  const seller = sim.createSeller({ name: "Toko Budi", shops: [{ name: "Toko Budi Official" }] });
  const shopId = seller.shops[0]!.id;
  const store = new MemoryTokenStore();
  const source = new TikTokShopSource({
    appName: "tts",
    ...simApp(sim),
    serviceId: sim.serviceId,
    tokenStore: store,
    shops: [{ shopId, openId: seller.openId }],
    ...sourceOptions,
  });
  await source.client.authorize(sim.authorize(seller.openId));
  return {
    sim,
    source,
    store,
    openId: seller.openId,
    shopId,
    tokenKey: source.client.auth.tokenKey(seller.openId),
  };
}

/** A second source on the fixture's simulator and token store (its shop by default), with `options` changed. */
export function otherSource(f: TtsFixture, options: Partial<TikTokShopSourceOptions>): TikTokShopSource {
  return new TikTokShopSource({
    appName: "tts",
    ...simApp(f.sim),
    tokenStore: f.store,
    shops: [{ shopId: f.shopId, openId: f.openId }],
    ...options,
  });
}
