import { writeFileSync } from "node:fs";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runShopsAddTikTokShop } from "../../src/cli/commands/shops-add-tiktokshop.js";
import { loadConfig } from "../../src/config/index.js";
import {
  authCodeFromPaste,
  bindTikTokShopSeller,
  catchAuthCode,
  consentLink,
  listenForAuthCode,
  newConsentState,
  tiktokshopWebhookUrl,
  verifyTikTokShopCredentials,
} from "../../src/setup/tiktokshop/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { tkErrorOf } from "../helpers/tk-error.js";
import { makeSetup, type SetupFixture } from "./fixture.js";

describe("binding a Tokopedia & Shop seller", () => {
  let sim: TikTokShopSim;
  let f: SetupFixture;
  beforeAll(async () => {
    sim = await startTikTokShopSim({ appKey: "k_setup", appSecret: "s_setup_secret" });
  });
  afterAll(async () => {
    await sim.close();
  });

  /** The seller `openId` bound to the fixture's config through app "tts", on Kommo account "acme" unless `more` says otherwise. */
  const bindSeller = (openId: string, more: Partial<Parameters<typeof bindTikTokShopSeller>[0]> = {}) =>
    bindTikTokShopSeller({
      config: f.config,
      appName: "tts",
      authCode: sim.authorize(openId),
      kommoAccount: "acme",
      store: f.store,
      ...more,
    });
  afterEach(() => f?.cleanup());

  it("binds every authorized shop, stores the token with the shops, and gives the webhook URL", async () => {
    f = makeSetup(sim);
    const seller = sim.createSeller({ name: "Toko Dua", shops: [{ name: "Satu" }, { name: "Dua" }] });
    const { config, result } = await bindSeller(seller.openId);
    const added = config.shops.filter((s) => s.source === "tiktokshop");
    expect(added).toEqual(
      seller.shops.map((s) => ({
        source: "tiktokshop",
        shopId: s.id,
        app: "tts",
        kommoAccount: "acme",
        name: s.name,
      })),
    );
    expect(result.shops.map((s) => s.added)).toEqual([true, true]);
    expect(result.sellerName).toBe("Toko Dua");
    expect(result.webhook).toEqual({
      url: "https://bridge.example.com/webhooks/tiktokshop/tts",
      warnings: [],
    });
    const token = f.store.tokens.load(`tiktokshop:tts:${seller.openId}`);
    const metaShops = ((token?.meta?.shops ?? []) as Array<{ id: string; cipher: string }>).map((s) => [
      s.id,
      s.cipher,
    ]);
    expect(metaShops).toEqual(seller.shops.map((s) => [s.id, s.cipher]));
    expect(f.store.tokens.keys("tiktokshop:tts:")).toEqual([`tiktokshop:tts:${seller.openId}`]);
    expect(f.config.shops).toHaveLength(1); // the input config is not mutated

    // Re-binding with a new code is idempotent: no duplicates, shops reported as already bound.
    const again = await bindSeller(seller.openId, { config });
    expect(again.config.shops).toHaveLength(3);
    expect(again.result.shops.map((s) => s.added)).toEqual([false, false]);
  });

  it("binds only the named shops", async () => {
    f = makeSetup(sim);
    const seller = sim.createSeller({ shops: [{ name: "A" }, { name: "B" }] });
    const { config } = await bindSeller(seller.openId, {
      kommoAccount: "beta",
      shopIds: [seller.shops[1]!.id],
    });
    expect(
      config.shops.filter((s) => s.source === "tiktokshop").map((s) => [s.shopId, s.kommoAccount]),
    ).toEqual([[seller.shops[1]!.id, "beta"]]);
  });

  it("an unknown named shop is refused, naming the authorized ones, and nothing is stored", async () => {
    f = makeSetup(sim);
    const seller = sim.createSeller({ shops: [{ name: "Only" }] });
    const e = await tkErrorOf(bindSeller(seller.openId, { shopIds: ["1234567"] }));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN");
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(seller.shops[0]!.id);
    expect(e.message).toContain("Only");
    expect(f.store.tokens.keys("tiktokshop:")).toEqual([]);
  });

  it("a grant without the Customer Service scope is refused with the fix, and nothing is stored", async () => {
    f = makeSetup(sim);
    const seller = sim.createSeller();
    sim.setScopes(seller.openId, ["seller.authorization.info"]);
    const e = await tkErrorOf(bindSeller(seller.openId));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SCOPE_MISSING");
    expect(e.fix).toMatch(/Partner Center/);
    expect(f.store.tokens.keys("tiktokshop:")).toEqual([]);
  });

  it("checks the app, the Kommo account and conflicting bindings before spending the code", async () => {
    f = makeSetup(sim);
    const seller = sim.createSeller();
    const code = sim.authorize(seller.openId);
    const base = { config: f.config, authCode: code, store: f.store };
    expect(
      (await tkErrorOf(bindTikTokShopSeller({ ...base, appName: "nope", kommoAccount: "acme" }))).code,
    ).toBe("TK_ERR_TIKTOKSHOP_APP_UNKNOWN");
    expect(
      (await tkErrorOf(bindTikTokShopSeller({ ...base, appName: "tts", kommoAccount: "zed" }))).code,
    ).toBe("TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN");
    // The code is still good: the refusals above made no call.
    const { config } = await bindTikTokShopSeller({ ...base, appName: "tts", kommoAccount: "acme" });
    const e = await tkErrorOf(bindSeller(seller.openId, { config, kommoAccount: "beta" }));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SHOP_BOUND_ELSEWHERE");
  });

  it("warns when the public URL would be refused by Partner Center", () => {
    const w = tiktokshopWebhookUrl(
      { server: { host: "h", port: 1, publicUrl: "http://10.0.0.5:8787" } },
      "tts",
    );
    expect(w.url).toBe("http://10.0.0.5:8787/webhooks/tiktokshop/tts");
    expect(w.warnings).toHaveLength(3);
    expect(tiktokshopWebhookUrl({ server: { host: "h", port: 1 } }, "tts").url).toBeUndefined();
  });

  it("shops add: validates flags, binds and saves the config", async () => {
    f = makeSetup(sim);
    writeFileSync(f.configPath, JSON.stringify({ ...JSON.parse(JSON.stringify(f.config)) }), { mode: 0o600 });
    const globals = { config: f.configPath };
    const missing = await tkErrorOf(runShopsAddTikTokShop({ app: "tts", kommoAccount: "acme" }, globals));
    expect(missing).toMatchObject({ code: "TK_ERR_USAGE", exitCode: 2 });
    expect(missing.message).toContain("--auth-code");
    const seller = sim.createSeller();
    f.store.close(); // the command opens the state file itself
    const r = await runShopsAddTikTokShop(
      {
        app: "tts",
        authCode: sim.authorize(seller.openId),
        kommoAccount: "acme",
        shop: [seller.shops[0]!.id],
      },
      globals,
    );
    expect(r.exitCode).toBe(0);
    expect(r.text).toContain(seller.shops[0]!.id);
    expect(r.text).toContain("/webhooks/tiktokshop/tts");
    expect(JSON.stringify(r.json)).not.toContain(sim.appSecret);
    const saved = loadConfig(f.configPath, {});
    expect(saved.shops.some((s) => s.source === "tiktokshop" && s.shopId === seller.shops[0]!.id)).toBe(true);
  });
});

describe("consent link and the one-shot redirect listener", () => {
  let sim: TikTokShopSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("catches the code the simulator's consent page redirects with, then closes", async () => {
    const state = newConsentState();
    const listener = await listenForAuthCode({ timeoutMs: 5_000, expectedState: state });
    sim = await startTikTokShopSim({ redirectUrl: listener.url });
    const seller = sim.createSeller();
    const link = consentLink(
      { name: "tts", appKey: sim.appKey, appSecret: sim.appSecret, serviceId: sim.serviceId },
      { endpoints: { tiktokshopAuth: sim.url } as never },
      state,
    );
    expect(link).toContain(`service_id=${sim.serviceId}`);
    const consent = await request(link);
    await consent.body.dump();
    expect(consent.statusCode).toBe(302);
    const back = await request(String(consent.headers.location));
    expect(await back.body.text()).toMatch(/close this tab/);
    const code = await listener.code;
    expect(code).toMatch(/^TTP_/);
    // The code is a real one: the simulator exchanges it.
    expect(sim.calls().some((c) => c.path === "/open/authorize")).toBe(true);
    await expect(request(listener.url)).rejects.toThrow(); // closed after the first redirect
    void seller;
  });

  it("rejects a refusal, a foreign state, and a timeout", async () => {
    const a = await listenForAuthCode({ timeoutMs: 5_000 });
    await (await request(`${a.url}?code=null&error=auth_denied`)).body.dump();
    expect((await tkErrorOf(a.code)).code).toBe("TK_ERR_TIKTOKSHOP_CONSENT_DENIED");
    const b = await listenForAuthCode({ timeoutMs: 5_000, expectedState: "mine" });
    await (await request(`${b.url}?code=X&state=theirs`)).body.dump();
    expect((await tkErrorOf(b.code)).code).toBe("TK_ERR_TIKTOKSHOP_CONSENT_STATE_MISMATCH");
    expect((await tkErrorOf(catchAuthCode({ timeoutMs: 50 }))).code).toBe(
      "TK_ERR_TIKTOKSHOP_CONSENT_TIMEOUT",
    );
    expect(authCodeFromPaste("https://x.example/cb?code=ABC&state=s", "s")).toBe("ABC");
    expect(authCodeFromPaste("  ABC  ")).toBe("ABC");
  });

  it("tells valid app credentials from wrong ones against the token host", async () => {
    sim = await startTikTokShopSim();
    const endpoints = { endpoints: { tiktokshopAuth: sim.url } as never };
    expect(
      await verifyTikTokShopCredentials(
        { name: "t", appKey: sim.appKey, appSecret: sim.appSecret },
        endpoints,
      ),
    ).toEqual({ ok: true });
    const bad = await verifyTikTokShopCredentials(
      { name: "t", appKey: sim.appKey, appSecret: "wrong" },
      endpoints,
    );
    expect(bad.ok).toBe(false);
    expect(bad.ok === false && bad.error.code).toBe("TK_ERR_TIKTOKSHOP_CREDENTIALS_INVALID");
  });
});
