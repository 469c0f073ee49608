/**
 * A whole world on loopback: the Tokopedia simulator with bound shops, the Kommo simulator with an account and a
 * connected channel, and a config file pointing tokokommo at both. The sandbox, the end-to-end tests and the
 * benchmarks start the real daemon (in this process or as a child) against it.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_REQUESTS_PER_SECOND, MAX_REQUESTS_PER_SECOND } from "../config/schema.js";
import { type KommoSimulatorOptions, startKommoSimulator } from "../sim/kommo/index.js";
import { startTokopediaSim, type TokopediaSim, type TokopediaSimOptions } from "../sim/tokopedia/index.js";
import { setUpKommoWorld } from "./kommo-world.js";
import {
  type TestbedBase,
  type TestbedConfigOptions,
  tearDown,
  testbedBase,
  testbedPaths,
  writeTestbedConfig,
} from "./world-base.js";

export const TESTBED_WEBHOOK_SECRET = "testbed-webhook-secret";

export interface TestbedShop {
  shopId: string;
  name: string;
}

export interface TestbedOptions extends TestbedConfigOptions {
  shops?: number;
  tokopedia?: TokopediaSimOptions;
  kommo?: KommoSimulatorOptions;
  /** Folder for config.json and state.db; a temp folder (removed by close) when absent. */
  dir?: string;
  /** The app's webhook secret (default TESTBED_WEBHOOK_SECRET); null: none, so webhooks arrive unsigned. */
  webhookSecret?: string | null;
}

export interface Testbed extends TestbedBase {
  tokopedia: TokopediaSim;
  shops: TestbedShop[];
}

export async function startTestbed(o: TestbedOptions = {}): Promise<Testbed> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "tokokommo-testbed-"));
  const webhookSecret = o.webhookSecret === undefined ? TESTBED_WEBHOOK_SECRET : o.webhookSecret;
  const tokopedia = await startTokopediaSim({ webhookDelivery: true, ...o.tokopedia });
  const kommo = await startKommoSimulator(o.kommo);
  try {
    const shops: TestbedShop[] = [];
    for (let i = 0; i < (o.shops ?? 1); i++) {
      const name = i === 0 ? "kommo-store" : `kommo-store-${i + 1}`;
      const { shopId } = tokopedia.createShop({ name, domain: name });
      tokopedia.bindShop(shopId);
      shops.push({ shopId, name });
    }
    const world = await setUpKommoWorld(kommo);
    const { configPath, statePath } = testbedPaths(dir);
    const config = writeTestbedConfig(configPath, statePath, o, world, {
      tokopedia: {
        apps: [
          {
            name: "main",
            fsId: tokopedia.app.fsId,
            clientId: tokopedia.app.clientId,
            clientSecret: tokopedia.app.clientSecret,
            ...(webhookSecret ? { webhookSecret } : {}),
            // The bridge paces to the simulator's bucket; with the simulator's limits off, as fast as it allows.
            requestsPerSecond:
              o.tokopedia?.rateLimit === null
                ? MAX_REQUESTS_PER_SECOND
                : (o.tokopedia?.rateLimit?.perSecond ?? DEFAULT_REQUESTS_PER_SECOND),
          },
        ],
      },
      shops: shops.map((s) => ({ shopId: s.shopId, app: "main", name: s.name })),
      endpoints: { tokopediaAuth: tokopedia.authUrl, tokopediaApi: tokopedia.apiUrl },
    });
    return {
      tokopedia,
      shops,
      ...testbedBase({
        kommo,
        world,
        config,
        dir,
        ownDir: !o.dir,
        marketplace: tokopedia,
        connectMarketplace: (daemonUrl) =>
          tokopedia.setWebhookUrl(`${daemonUrl}/webhooks/tokopedia/main`, { secret: webhookSecret ?? "" }),
      }),
    };
  } catch (err) {
    await tearDown([tokopedia, kommo], dir, !o.dir);
    throw err;
  }
}
