/**
 * A TikTok Shop ("Tokopedia & Shop") world on loopback: the TikTok Shop simulator with one seller authorized
 * through the real client (tokens and shop ciphers stored in the state file, as `shops add --source tiktokshop`
 * would leave them), the Kommo simulator with an account and a connected channel, and a config file pointing
 * tokokommo at both. The end-to-end tests start the real daemon (in this process or as a child) against it.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveConfig, validateConfig } from "../config/index.js";
import { type KommoSimulatorOptions, startKommoSimulator } from "../sim/kommo/index.js";
import {
  startTikTokShopSim,
  type TikTokShopSim,
  type TikTokShopSimOptions,
} from "../sim/tiktokshop/index.js";
import { TikTokShopClient } from "../sources/tiktokshop/index.js";
import { openStore } from "../store/index.js";
import { type KommoWorld, setUpKommoWorld } from "./kommo-world.js";
import { type TestbedBase, tearDown } from "./world-base.js";

/** The app's name in the config; the webhook URL is /webhooks/tiktokshop/{name}. */
export const TTS_TESTBED_APP = "tts";

export interface TikTokShopTestbedOptions {
  mode?: "webhook" | "poll" | "hybrid";
  pollIntervalSeconds?: number;
  attachments?: "reject" | "link";
  tiktokshop?: TikTokShopSimOptions;
  kommo?: KommoSimulatorOptions;
  /** Name of the seller's (single) shop, also its tag on leads. */
  shopName?: string;
  /** Folder for config.json and state.db; a temp folder (removed by close) when absent. */
  dir?: string;
  /** Extra keys for the shop's config entry (e.g. `{ autoAccept: true }`). */
  shopSettings?: Record<string, unknown>;
}

export interface TikTokShopTestbed extends TestbedBase {
  tiktokshop: TikTokShopSim;
  openId: string;
  shopId: string;
  shopName: string;
}

export async function startTikTokShopTestbed(o: TikTokShopTestbedOptions = {}): Promise<TikTokShopTestbed> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "tokokommo-tts-testbed-"));
  // Failed webhooks are retried quickly, so a test that restarts the daemon is not waiting on minutes.
  const tiktokshop = await startTikTokShopSim({ webhookRetryDelaysMs: [200, 1000, 3000], ...o.tiktokshop });
  const kommo = await startKommoSimulator(o.kommo);
  try {
    const shopName = o.shopName ?? "toko-tts";
    const seller = tiktokshop.createSeller({ name: shopName, shops: [{ name: shopName }] });
    const shop = seller.shops[0]!;
    const statePath = join(dir, "state.db");
    const configPath = join(dir, "config.json");
    // The seller authorizes through the real client, which stores the tokens in the state file the daemon
    // will open; the store is closed again before any daemon starts.
    const store = openStore(statePath);
    try {
      const client = new TikTokShopClient({
        appName: TTS_TESTBED_APP,
        appKey: tiktokshop.appKey,
        appSecret: tiktokshop.appSecret,
        authBaseUrl: tiktokshop.url,
        apiBaseUrl: tiktokshop.url,
        tokenStore: store.tokens,
      });
      await client.authorize(tiktokshop.authorize(seller.openId));
    } finally {
      store.close();
    }
    const world = await setUpKommoWorld(kommo);
    const { scopeId } = world;
    const raw = rawConfig(o, tiktokshop, world, { id: shop.id, name: shopName }, statePath);
    const config = validateConfig(raw, {}, { configPath });
    saveConfig(configPath, config);
    return {
      tiktokshop,
      kommo,
      openId: seller.openId,
      shopId: shop.id,
      shopName,
      scopeId,
      accountId: world.accountId,
      config,
      configPath,
      statePath,
      dir,
      async connectDaemon(daemonUrl) {
        tiktokshop.setWebhookUrl(`${daemonUrl}/webhooks/tiktokshop/${TTS_TESTBED_APP}`);
        world.connectDaemon(daemonUrl);
      },
      close: () => tearDown([tiktokshop, kommo], dir, !o.dir),
    };
  } catch (err) {
    await tearDown([tiktokshop, kommo], dir, !o.dir);
    throw err;
  }
}

/** The config file of the world: the TikTok Shop app and its one shop, the Kommo account, the simulators' URLs. */
function rawConfig(
  o: TikTokShopTestbedOptions,
  tiktokshop: TikTokShopSim,
  world: KommoWorld,
  shop: { id: string; name: string },
  statePath: string,
): Record<string, unknown> {
  return {
    version: 1,
    server: { host: "127.0.0.1", port: 0, publicUrl: "http://127.0.0.1" },
    statePath,
    sync: { mode: o.mode ?? "hybrid", pollIntervalSeconds: o.pollIntervalSeconds ?? 30 },
    tokopedia: { apps: [] },
    tiktokshop: {
      apps: [
        {
          name: TTS_TESTBED_APP,
          appKey: tiktokshop.appKey,
          appSecret: tiktokshop.appSecret,
          serviceId: tiktokshop.serviceId,
        },
      ],
    },
    kommo: { accounts: [world.configAccount] },
    shops: [
      {
        source: "tiktokshop",
        shopId: shop.id,
        app: TTS_TESTBED_APP,
        kommoAccount: "acme",
        name: shop.name,
        ...o.shopSettings,
      },
    ],
    attachments: o.attachments ?? "reject",
    // The simulators serve attachments from 127.0.0.1, which the default media policy refuses.
    media: { allowPrivateNetworks: true },
    endpoints: {
      tiktokshopAuth: tiktokshop.url,
      tiktokshopApi: tiktokshop.url,
      ...world.configEndpoints,
    },
  };
}
