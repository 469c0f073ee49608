/**
 * A TikTok Shop ("Tokopedia & Shop") world on loopback: the TikTok Shop simulator with one seller authorized
 * through the real client (tokens and shop ciphers stored in the state file, as `shops add --source tiktokshop`
 * would leave them), the Kommo simulator with an account and a connected channel, and a config file pointing
 * tokokommo at both. The end-to-end tests start the real daemon (in this process or as a child) against it.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KommoSimulatorOptions, startKommoSimulator } from "../sim/kommo/index.js";
import {
  startTikTokShopSim,
  type TikTokShopSim,
  type TikTokShopSimOptions,
} from "../sim/tiktokshop/index.js";
import { TikTokShopClient } from "../sources/tiktokshop/index.js";
import { openStore } from "../store/index.js";
import { setUpKommoWorld } from "./kommo-world.js";
import {
  type TestbedBase,
  type TestbedConfigOptions,
  tearDown,
  testbedBase,
  testbedPaths,
  writeTestbedConfig,
} from "./world-base.js";

/** The app's name in the config; the webhook URL is /webhooks/tiktokshop/{name}. */
export const TTS_TESTBED_APP = "tts";

export interface TikTokShopTestbedOptions extends TestbedConfigOptions {
  tiktokshop?: TikTokShopSimOptions;
  kommo?: KommoSimulatorOptions;
  /** Name of the seller's (single) shop, also its tag on leads. */
  shopName?: string;
  /** Folder for config.json and state.db; a temp folder (removed by close) when absent. */
  dir?: string;
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
    const { configPath, statePath } = testbedPaths(dir);
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
    // The TikTok Shop app and its one shop; no Tokopedia app.
    const config = writeTestbedConfig(configPath, statePath, o, world, {
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
      shops: [{ source: "tiktokshop", shopId: shop.id, app: TTS_TESTBED_APP, name: shopName }],
      endpoints: { tiktokshopAuth: tiktokshop.url, tiktokshopApi: tiktokshop.url },
    });
    return {
      tiktokshop,
      openId: seller.openId,
      shopId: shop.id,
      shopName,
      ...testbedBase({
        kommo,
        world,
        config,
        dir,
        ownDir: !o.dir,
        marketplace: tiktokshop,
        connectMarketplace: (daemonUrl) =>
          tiktokshop.setWebhookUrl(`${daemonUrl}/webhooks/tiktokshop/${TTS_TESTBED_APP}`),
      }),
    };
  } catch (err) {
    await tearDown([tiktokshop, kommo], dir, !o.dir);
    throw err;
  }
}
