/**
 * The world the Tokopedia `init` tests run in: a Tokopedia simulator with two bound shops, a Kommo simulator
 * with an account and a channel, an IP echo service, and seed config files that point at them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scriptedPrompter } from "../../src/cli/prompts.js";
import { type KommoSimulator, startKommoSimulator } from "../../src/sim/kommo/index.js";
import { startTokopediaSim, type TokopediaSim } from "../../src/sim/tokopedia/index.js";
import { TokopediaClient, type WebhookUpdate } from "../../src/sources/tokopedia/index.js";
import { startIpEcho } from "../helpers/ip-echo.js";

export const PUBLIC = "https://bridge.example.com";

export interface InitWorld {
  tkp: TokopediaSim;
  kommo: KommoSimulator;
  dir: string;
  shopKommo: string;
  shopSecond: string;
  account: ReturnType<KommoSimulator["addAccount"]>;
  channel: ReturnType<KommoSimulator["addChannel"]>;
  token: string;
  /** Progress lines of every run made with deps(). */
  lines: string[];
  /** A seed config: only where the platforms are (init fills in the rest). */
  seed(endpoints?: Record<string, string>): string;
  deps(
    configPath: string,
    script: Parameters<typeof scriptedPrompter>[0],
  ): {
    configPath: string;
    prompter: ReturnType<typeof scriptedPrompter>;
    write: (l: string) => void;
    env: Record<string, string>;
  };
  /** Every answer of a first interactive run, by prompt id. */
  interactiveAnswers(): Record<string, string>;
  /** Every flag of a first scripted run (secrets come from envSecrets()). */
  flags(): {
    interactive: false;
    publicUrl: string;
    fsId: string;
    clientId: string;
    shopDomain: string;
    kommoSubdomain: string;
    kommoAccount: string;
    channelId: string;
  };
  envSecrets(): Record<string, string>;
  /** Registers webhook URLs of the app as another program would (the URLs not named are kept). */
  registerWebhooks(update: WebhookUpdate): Promise<void>;
  close(): Promise<void>;
}

export async function startInitWorld(): Promise<InitWorld> {
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-init-"));
  const echo = await startIpEcho();
  const tkp = await startTokopediaSim({ webhookDelivery: false });
  const kommo = await startKommoSimulator();
  const shopKommo = tkp.createShop({ name: "Kommo Official", domain: "kommo" }).shopId;
  tkp.bindShop(shopKommo);
  const shopSecond = tkp.createShop({ name: "Second", domain: "second" }).shopId;
  tkp.bindShop(shopSecond);
  const account = kommo.addAccount({ name: "Acme", subdomain: "acme" });
  const channel = kommo.addChannel({ hookUrl: `${PUBLIC}/webhooks/kommo/:scope_id` });
  const token = kommo.longLivedToken(account.id);
  const lines: string[] = [];
  let n = 0;
  const world: InitWorld = {
    tkp,
    kommo,
    dir,
    shopKommo,
    shopSecond,
    account,
    channel,
    token,
    lines,
    seed(endpoints) {
      const path = join(dir, `config-${++n}.json`);
      const at = endpoints ?? {
        tokopediaAuth: tkp.authUrl,
        tokopediaApi: tkp.apiUrl,
        kommoApi: kommo.url,
        kommoChats: kommo.url,
        ipEcho: echo.url,
      };
      writeFileSync(path, JSON.stringify({ version: 1, endpoints: at }), { mode: 0o600 });
      return path;
    },
    deps: (configPath, script) => ({
      configPath,
      prompter: scriptedPrompter(script),
      write: (l: string) => lines.push(l),
      env: {},
    }),
    interactiveAnswers: () => ({
      "server.publicUrl": PUBLIC,
      "tokopedia.app": "main",
      "tokopedia.fsId": String(tkp.app.fsId),
      "tokopedia.clientId": tkp.app.clientId,
      "tokopedia.clientSecret": tkp.app.clientSecret,
      "shop.domain": "https://www.tokopedia.com/kommo/kaos-polos",
      "kommo.subdomain": "acme",
      "kommo.name": "acme",
      "kommo.authKind": "longLived",
      "kommo.token": token,
      "kommo.channelId": channel.id,
      "kommo.channelSecret": channel.secret,
    }),
    flags: () => ({
      interactive: false,
      publicUrl: PUBLIC,
      fsId: String(tkp.app.fsId),
      clientId: tkp.app.clientId,
      shopDomain: "kommo",
      kommoSubdomain: "acme",
      kommoAccount: "acme",
      channelId: channel.id,
    }),
    envSecrets: () => ({
      TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET: tkp.app.clientSecret,
      TOKOKOMMO_KOMMO_ACME_LONG_LIVED_TOKEN: token,
      TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET: channel.secret,
    }),
    async registerWebhooks(update) {
      const c = new TokopediaClient({
        appName: "x",
        ...tkp.app,
        authBaseUrl: tkp.authUrl,
        apiBaseUrl: tkp.apiUrl,
      });
      await c.registerWebhooks(update);
    },
    async close() {
      await Promise.allSettled([tkp.close(), kommo.close(), echo.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
