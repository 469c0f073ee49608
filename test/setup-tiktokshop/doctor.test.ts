import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
/**
 * The TikTok Shop doctor checks against the TikTok Shop simulator, run by doctor's own runner over a config and
 * state file held by the test (the checks that need a seller are skipped when none is stored).
 */
import type { Config } from "../../src/config/index.js";
import { saveConfig } from "../../src/config/save.js";
import { configChecks } from "../../src/doctor/checks/config.js";
import { stateChecks } from "../../src/doctor/checks/state.js";
import { tiktokshopChecks as tiktokshopGroup } from "../../src/doctor/checks/tiktokshop.js";
import { type CheckReport, DoctorContext, type DoctorOptions, runChecks } from "../../src/doctor/index.js";
import { bindTikTokShopSeller } from "../../src/setup/tiktokshop/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { quotaDay } from "../../src/sources/tiktokshop/quota.js";
import { makeSetup, type SetupFixture } from "./fixture.js";

const DAY = 86_400_000;

interface Bound {
  f: SetupFixture;
  config: Config;
  openId: string;
  shopId: string;
}

type Extra = Partial<Omit<DoctorOptions, "now">> & { now?: number };

/** Every TikTok Shop check's result by id, run by doctor's runner over the test's config and store. */
async function runAll(b: Bound, extra: Extra = {}): Promise<Record<string, CheckReport>> {
  const { now, ...rest } = extra;
  const ctx = new DoctorContext({
    configPath: b.f.configPath,
    env: {},
    loaded: { config: b.config, store: b.f.store },
    tiktokshop: { quotaUsage: () => ({ used: 12, limit: 10_000 }) },
    ...(now !== undefined ? { now: () => now } : {}),
    ...rest,
  });
  const r = await runChecks(ctx, [tiktokshopGroup]);
  return Object.fromEntries(r.checks.map((c) => [c.id, c]));
}

/** Every check other than `id` is not failing (the fault is attributed to its own check). */
function onlyThis(results: Record<string, CheckReport>, id: string, status: "warn" | "fail") {
  expect(results[id]?.status, JSON.stringify(results[id])).toBe(status);
  expect(results[id]?.fix).toBeTruthy();
  const others = Object.entries(results).filter(([k]) => k !== id);
  expect(others.filter(([, o]) => o.status === "fail").map(([k]) => k)).toEqual([]);
}

describe("TikTok Shop doctor checks", () => {
  let sim: TikTokShopSim;
  let shortSim: TikTokShopSim;
  const fixtures: SetupFixture[] = [];
  beforeAll(async () => {
    sim = await startTikTokShopSim();
    shortSim = await startTikTokShopSim({ refreshTokenLifetimeSec: 10 * 86_400 });
  });
  afterAll(async () => {
    await sim.close();
    await shortSim.close();
  });
  afterEach(() => {
    sim.setIpAllowList(null);
    for (const f of fixtures.splice(0)) f.cleanup();
  });

  async function bound(s: TikTokShopSim = sim): Promise<Bound> {
    const f = makeSetup(s);
    fixtures.push(f);
    const seller = s.createSeller({
      name: "Toko Sehat",
      scopes: ["seller.authorization.info", "seller.customer_service", "seller.order.info"],
    });
    const { config } = await bindTikTokShopSeller({
      config: f.config,
      appName: "tts",
      authCode: s.authorize(seller.openId),
      kommoAccount: "acme",
      store: f.store,
    });
    f.store.webhooks.seenOnce("tiktokshop", `n-${seller.openId}`, Date.now());
    return { f, config, openId: seller.openId, shopId: seller.shops[0]!.id };
  }

  it("a healthy seller passes every check", async () => {
    const b = await bound();
    const r = await runAll(b);
    for (const [id, o] of Object.entries(r)) expect(o.status, `${id}: ${o.message}`).toBe("pass");
    expect(Object.keys(r)).toHaveLength(11);
  });

  it("access token: warns within 24 h of expiry; fails when expired and the refresh is refused", async () => {
    const b = await bound();
    onlyThis(await runAll(b, { now: Date.now() + 6.5 * DAY }), "tiktokshop.access-token", "warn");
    // Expired locally and on the platform, refresh token revoked: doctor (allowed to refresh) reports it.
    const key = `tiktokshop:tts:${b.openId}`;
    const t = b.f.store.tokens.load(key)!;
    b.f.store.tokens.save(key, { ...t, expiresAt: Date.now() - 1000 });
    sim.expireAccessTokens(b.openId);
    sim.revokeRefreshToken(b.openId);
    const r = await runAll(b, { tiktokshop: { allowRefresh: true } });
    expect(r["tiktokshop.access-token"]).toMatchObject({ status: "fail" });
    expect(r["tiktokshop.access-token"]?.fix).toMatch(/auth-code/);
  });

  it("refresh token: warns when the authorization ends within 14 days", async () => {
    const b = await bound(shortSim);
    onlyThis(await runAll(b), "tiktokshop.refresh-token", "warn");
  });

  it("scope: fails when the platform denies Customer Service calls", async () => {
    const b = await bound();
    sim.setScopes(b.openId, ["seller.authorization.info"]);
    const r = await runAll(b);
    onlyThis(r, "tiktokshop.scope", "fail");
    expect(r["tiktokshop.scope"]?.fix).toMatch(/Partner Center/);
  });

  it("order scope: a grant without seller.order.info warns (orders off, chat unaffected) with how to add it", async () => {
    const b = await bound();
    const seller = sim.createSeller({ name: "Toko Tanpa Order" });
    const bare = await bindTikTokShopSeller({
      config: b.config,
      appName: "tts",
      authCode: sim.authorize(seller.openId),
      kommoAccount: "acme",
      store: b.f.store,
    });
    const config = {
      ...bare.config,
      shops: bare.config.shops.filter((s) => s.shopId === seller.shops[0]!.id),
    };
    const r = await runAll({ ...b, config, openId: seller.openId, shopId: seller.shops[0]!.id });
    onlyThis(r, "tiktokshop.order-scope", "warn");
    expect(r["tiktokshop.order-scope"]?.message).toMatch(/lacks seller\.order\.info.*chat is unaffected/);
    expect(r["tiktokshop.order-scope"]?.fix).toMatch(/Order Information package.*Partner Center/);
    const off = { ...config, orders: { ...config.orders, enabled: false } };
    expect((await runAll({ ...b, config: off }))["tiktokshop.order-scope"]?.status).toBe("pass");
  });

  it("shops authorized: fails when the seller revoked access", async () => {
    const b = await bound();
    sim.deauthorize(b.openId);
    const r = await runAll(b);
    onlyThis(r, "tiktokshop.shops-authorized", "fail");
  });

  it("IP allow list: a 36009033 answer fails with the fix", async () => {
    const b = await bound();
    sim.setIpAllowList(["10.9.9.9"]);
    const r = await runAll(b);
    onlyThis(r, "tiktokshop.ip-allowlist", "fail");
    expect(r["tiktokshop.ip-allowlist"]?.fix).toMatch(/allow list/);
  });

  it("quota: fails after a recorded quota error or when the day's count is spent, warns past the reads' share", async () => {
    const b = await bound();
    onlyThis(
      await runAll(b, { tiktokshop: { quotaUsage: () => ({ used: 9_500, limit: 10_000 }) } }),
      "tiktokshop.quota",
      "warn",
    );
    // Without an injected count the check reads the daemon's own count from the state file (no "cannot tell").
    const counted = (await runAll(b, { tiktokshop: {} }))["tiktokshop.quota"];
    expect(counted).toMatchObject({ status: "pass" });
    expect(counted?.message).toMatch(/0 of 10000 daily calls used/);
    const day = quotaDay(Date.now());
    const shop = { source: "tiktokshop" as const, shopId: b.shopId };
    await b.f.store.callCounts.add(shop, day.start, 8_100, Date.now());
    const stopped = (await runAll(b, { tiktokshop: {} }))["tiktokshop.quota"];
    expect(stopped).toMatchObject({ status: "warn" });
    expect(stopped?.message).toMatch(/8100 of 10000 .*reads and sweeps stopped/);
    await b.f.store.callCounts.add(shop, day.start, 1_900, Date.now());
    const spent = (await runAll(b, { tiktokshop: {} }))["tiktokshop.quota"];
    expect(spent).toMatchObject({ status: "fail" });
    expect(spent?.message).toMatch(/10000 of 10000 .*replies fail .*reset at \d\d:\d\d UTC/);
    b.f.store.shopStatus.recordShopError(
      { source: "tiktokshop", shopId: b.shopId },
      { error: "quota", code: "TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED" },
    );
    onlyThis(await runAll(b), "tiktokshop.quota", "fail");
  });

  it("last webhook seen: warns when none arrived in 24 h, naming the URL to set", async () => {
    const b = await bound();
    const r = await runAll(b, { now: Date.now() + 1.5 * DAY - 0 });
    // 1.5 days later the access token is still fine (7 days), so only the webhook check complains.
    onlyThis(r, "tiktokshop.webhook-seen", "warn");
    expect(r["tiktokshop.webhook-seen"]?.fix).toContain("https://bridge.example.com/webhooks/tiktokshop/tts");
  });

  it("a shop no stored authorization covers: one failure, the checks that need the sellers skipped", async () => {
    const b = await bound();
    const config = { ...b.config, shops: [...b.config.shops, { ...b.config.shops.at(-1)!, shopId: "999" }] };
    saveConfig(b.f.configPath, config);
    const ctx = new DoctorContext({ configPath: b.f.configPath, env: {} });
    try {
      const r = await runChecks(ctx, [configChecks, stateChecks, tiktokshopGroup]);
      const tts = r.checks.filter((c) => c.id.startsWith("tiktokshop."));
      const failures = tts.filter((c) => c.status === "fail");
      expect(failures.map((c) => `${c.id}: ${c.message}`)).toEqual([
        expect.stringMatching(/^tiktokshop.sellers: .*shop 999/),
      ]);
      // Everything that judges the stored authorizations is skipped with the one reason; the state-file
      // readings (quota, webhooks) still run.
      const skipped = tts.filter((c) => c.status === "skip");
      expect(skipped.map((c) => c.id).sort()).toEqual(
        [
          "tiktokshop.access-token",
          "tiktokshop.api",
          "tiktokshop.authorization",
          "tiktokshop.ip-allowlist",
          "tiktokshop.order-scope",
          "tiktokshop.refresh-token",
          "tiktokshop.scope",
          "tiktokshop.shops-authorized",
        ].sort(),
      );
      expect(skipped.find((c) => c.id === "tiktokshop.access-token")?.message).toBe(
        "skipped: needs tiktokshop.sellers, which failed",
      );
    } finally {
      ctx.close();
    }
  });

  it("authorization: expiring warns, deauthorized fails", async () => {
    const b = await bound();
    const shop = { source: "tiktokshop" as const, shopId: b.shopId };
    b.f.store.shopStatus.recordShopError(
      shop,
      { error: "expiring", code: "TK_ERR_SHOP_AUTH_EXPIRING" },
      Date.now() + 5,
    );
    onlyThis(await runAll(b, { now: Date.now() + 10 }), "tiktokshop.authorization", "warn");
    b.f.store.shopStatus.recordShopError(
      shop,
      { error: "revoked", code: "TK_ERR_SHOP_DEAUTHORIZED" },
      Date.now() + 10,
    );
    onlyThis(await runAll(b, { now: Date.now() + 20 }), "tiktokshop.authorization", "fail");
  });
});
