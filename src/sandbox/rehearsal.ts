/**
 * `tokokommo sandbox --serve`: the three simulators stay up, set up the way the real platforms would be after
 * the paperwork (a Tokopedia app with two shops and 127.0.0.1 on its IP whitelist, a TikTok Shop app with a
 * seller ready to authorize it, a Kommo account with a chat channel whose hook points at the bridge), so that
 * `init` → `doctor` → `serve` → `status` → `shops` can be practised against them. The bridge is not run here:
 * that is the operator's own `tokokommo serve`.
 */
import { TkError } from "../errors/index.js";
import { type KommoSimulator, startKommoSimulator } from "../sim/kommo/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../sim/tiktokshop/index.js";
import { startTokopediaSim, type TokopediaSim } from "../sim/tokopedia/index.js";
import { type IpEcho, startIpEcho } from "./ip-echo.js";
import type { SandboxSides } from "./world.js";

/** Everything `init` (and `shops add`) will ask for, as the simulators were set up. */
export interface RehearsalValues {
  /** Where the operator's `serve` listens (server.publicUrl for init; the platforms' webhooks go there). */
  bridgeUrl: string;
  endpoints: {
    tokopediaAuth: string;
    tokopediaApi: string;
    tiktokshopAuth: string;
    tiktokshopApi: string;
    kommoApi: string;
    kommoChats: string;
    ipEcho: string;
  };
  tokopedia: {
    app: string;
    fsId: number;
    clientId: string;
    clientSecret: string;
    shopDomain: string;
    /** A second shop of the app, for `shops add`. */
    otherShopDomain: string;
  };
  kommo: { subdomain: string; account: string; token: string; channelId: string; channelSecret: string };
  tiktokshop: {
    app: string;
    appKey: string;
    appSecret: string;
    serviceId: string;
    authCode: string;
    shop: string;
  };
}

export interface Rehearsal {
  values: RehearsalValues;
  /** For the player: buyers write to the first shop; the scope is the one `init` will connect. */
  sides: SandboxSides;
  /** A fresh single-use TikTok Shop authorization code (each is good for 30 minutes, once). */
  newAuthCode(): string;
  close(): Promise<void>;
}

export interface RehearsalOptions {
  /** Tokopedia on portBase, TikTok Shop on +1, Kommo on +2, the IP echo on +3; 0 = any free ports. */
  portBase: number;
  /** The port the operator's `serve` will listen on (127.0.0.1). */
  bridgePort: number;
}

/** Channel ids are issued by Kommo; a fixed one keeps the rehearsal's `init` line the same every time. */
export const REHEARSAL_CHANNEL_ID = "5e1f0c9a-7d2b-4c61-9a3e-000000000001";
const SHOP = "kommo-store";
const TTS_APP = "tts";

function portInUse(err: unknown, port: number, what: string): unknown {
  if ((err as NodeJS.ErrnoException)?.code !== "EADDRINUSE") return err;
  return new TkError(
    "TK_ERR_PORT_IN_USE",
    `port ${port} (the ${what} simulator) is already in use on 127.0.0.1`,
    {
      fix: "Stop what listens there (another `tokokommo sandbox --serve`?), or pick other ports with --port-base (0: any free ports).",
      exitCode: 1,
      details: { port },
    },
  );
}

async function startAll(o: RehearsalOptions): Promise<[TokopediaSim, TikTokShopSim, KommoSimulator, IpEcho]> {
  const at = (i: number) => (o.portBase === 0 ? 0 : o.portBase + i);
  const started: { close(): Promise<void> }[] = [];
  const start = async <T extends { close(): Promise<void> }>(
    i: number,
    what: string,
    fn: (port: number) => Promise<T>,
  ) => {
    try {
      const sim = await fn(at(i));
      started.push(sim);
      return sim;
    } catch (err) {
      await Promise.allSettled(started.map((s) => s.close()));
      throw portInUse(err, at(i), what);
    }
  };
  const tokopedia = await start(0, "Tokopedia", (port) => startTokopediaSim({ port, webhookDelivery: true }));
  const tiktokshop = await start(1, "TikTok Shop", (port) => startTikTokShopSim({ port }));
  const kommo = await start(2, "Kommo", (port) => startKommoSimulator({ port }));
  const echo = await start(3, "IP echo", (port) => startIpEcho(port));
  return [tokopedia, tiktokshop, kommo, echo];
}

export async function startRehearsal(o: RehearsalOptions): Promise<Rehearsal> {
  const [tokopedia, tiktokshop, kommo, echo] = await startAll(o);
  const closeAll = () =>
    Promise.allSettled([tokopedia.close(), tiktokshop.close(), kommo.close(), echo.close()]);
  const bridgeUrl = `http://127.0.0.1:${o.bridgePort}`;
  try {
    const shop = tokopedia.createShop({ name: SHOP, domain: SHOP });
    tokopedia.bindShop(shop.shopId);
    tokopedia.bindShop(tokopedia.createShop({ name: `${SHOP}-2`, domain: `${SHOP}-2` }).shopId);
    tokopedia.setIpWhitelist({ enforce: true, ips: ["127.0.0.1"] });

    const seller = tiktokshop.createSeller({ name: "toko-tts", shops: [{ name: "toko-tts" }] });
    tiktokshop.setWebhookUrl(`${bridgeUrl}/webhooks/tiktokshop/${TTS_APP}`);

    const account = kommo.addAccount({ name: "Acme Agency", subdomain: "acme" });
    const channel = kommo.addChannel({
      id: REHEARSAL_CHANNEL_ID,
      hookUrl: `${bridgeUrl}/webhooks/kommo/:scope_id`,
    });
    const values: RehearsalValues = {
      bridgeUrl,
      endpoints: {
        tokopediaAuth: tokopedia.authUrl,
        tokopediaApi: tokopedia.apiUrl,
        tiktokshopAuth: tiktokshop.url,
        tiktokshopApi: tiktokshop.url,
        kommoApi: kommo.url,
        kommoChats: kommo.url,
        ipEcho: echo.url,
      },
      tokopedia: {
        app: "main",
        ...tokopedia.app,
        shopDomain: `tokopedia.com/${SHOP}`,
        otherShopDomain: `tokopedia.com/${SHOP}-2`,
      },
      kommo: {
        subdomain: account.subdomain,
        account: account.subdomain,
        token: kommo.longLivedToken(account.id),
        channelId: channel.id,
        channelSecret: channel.secret,
      },
      tiktokshop: {
        app: TTS_APP,
        appKey: tiktokshop.appKey,
        appSecret: tiktokshop.appSecret,
        serviceId: tiktokshop.serviceId,
        authCode: tiktokshop.authorize(seller.openId),
        shop: seller.shops[0]!.id,
      },
    };
    return {
      values,
      sides: {
        tokopedia,
        kommo,
        // What `init` gets back when it connects the channel to the account.
        scopeId: `${channel.id}_${account.amojoId}`,
        shop: { shopId: shop.shopId, name: SHOP },
        tiktokshop: { sim: tiktokshop, shopId: seller.shops[0]!.id, name: "toko-tts" },
        waitMs: 15_000,
        missingHint: `is \`tokokommo serve\` running, on ${bridgeUrl}, after \`init\`?`,
      },
      newAuthCode: () => tiktokshop.authorize(seller.openId),
      async close() {
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
