import { afterEach, describe, expect, it } from "vitest";
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import { isTkError } from "../../src/errors/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { TikTokShopClient, type TikTokShopTokenMeta } from "../../src/sources/tiktokshop/index.js";
import { makeFixture, simApp, type TtsFixture } from "./harness.js";

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isTkError(err) ? err.code : `non-TkError: ${String(err)}`;
  }
  return undefined;
}

const tokenCalls = (f: TtsFixture, path: string) => f.sim.calls().filter((c) => c.path === path);

describe("TikTok Shop authorization and token upkeep", () => {
  let f: TtsFixture | undefined;
  let extra: TikTokShopSim | undefined;
  afterEach(async () => {
    await f?.sim.close();
    await extra?.close();
    f = undefined;
    extra = undefined;
  });

  it("exchanges a code: absolute expiries become ms, shops with cipher are stored in meta", async () => {
    const before = Date.now();
    f = await makeFixture({ accessTokenLifetimeSec: 7 * 86_400, refreshTokenLifetimeSec: 100 * 86_400 });
    const t = f.store.load(f.tokenKey)!;
    expect(f.tokenKey).toBe(`tiktokshop:tts:${f.openId}`);
    expect(t.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 7 * 86_400_000 - 1000);
    expect(t.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect(t.refreshExpiresAt! - t.expiresAt).toBeGreaterThan(90 * 86_400_000);
    const meta = t.meta as unknown as TikTokShopTokenMeta;
    expect(meta.openId).toBe(f.openId);
    expect(meta.grantedScopes).toContain("seller.customer_service");
    expect(meta.shops).toEqual([
      expect.objectContaining({
        id: f.shopId,
        region: "ID",
        name: "Toko Budi Official",
        sellerType: "LOCAL",
      }),
    ]);
    expect(meta.shops![0]!.cipher).toMatch(/^ROW_/);
  });

  it("an auth code is single-use: the second exchange fails with AUTH_CODE_INVALID and stores nothing new", async () => {
    extra = await startTikTokShopSim();
    const seller = extra.createSeller();
    const code = extra.authorize(seller.openId);
    const store = new MemoryTokenStore();
    const client = new TikTokShopClient({
      appName: "a",
      ...simApp(extra),
      tokenStore: store,
    });
    await client.authorize(code);
    const first = store.load(client.auth.tokenKey(seller.openId));
    expect(await codeOf(client.authorize(code))).toBe("TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID");
    expect(await codeOf(client.authorize("  "))).toBe("TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID");
    expect(store.load(client.auth.tokenKey(seller.openId))).toEqual(first);
  });

  it("builds the consent link, and the consent stub redirects back with code and state", async () => {
    extra = await startTikTokShopSim({ redirectUrl: "https://bridge.example.com/tts/callback" });
    extra.createSeller();
    const client = new TikTokShopClient({
      appName: "a",
      ...simApp(extra),
      serviceId: extra.serviceId,
      consentBaseUrl: extra.url,
      tokenStore: new MemoryTokenStore(),
    });
    const link = client.auth.consentUrl("csrf-42");
    expect(link).toBe(`${extra.url}/open/authorize?service_id=${extra.serviceId}&state=csrf-42`);
    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(back.origin + back.pathname).toBe("https://bridge.example.com/tts/callback");
    expect(back.searchParams.get("state")).toBe("csrf-42");
    const auth = await client.authorize(back.searchParams.get("code")!);
    expect(auth.hasCustomerServiceScope).toBe(true);
  });

  /** Time passes: the stored token, obtained a week ago, now expires in `leftMs` (the platform still accepts it). */
  function age(fx: TtsFixture, leftMs: number, refreshLeftMs?: number): void {
    const t = fx.store.load(fx.tokenKey)!;
    fx.store.save(fx.tokenKey, {
      ...t,
      obtainedAt: Date.now() - 7 * 86_400_000,
      expiresAt: Date.now() + leftMs,
      ...(refreshLeftMs !== undefined ? { refreshExpiresAt: Date.now() + refreshLeftMs } : {}),
    });
  }

  it("refreshes ahead of expiry, before the call, and persists the new pair", async () => {
    f = await makeFixture({}, { refreshAheadMs: 3_600_000 });
    age(f, 30 * 60_000);
    const old = f.store.load(f.tokenKey)!;
    await f.source.listRooms(f.shopId, 0);
    const now = f.store.load(f.tokenKey)!;
    expect(now.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(tokenCalls(f, "/api/v2/token/refresh")).toHaveLength(1);
    expect(now.accessToken).not.toBe(old.accessToken);
    expect(now.refreshToken).not.toBe(old.refreshToken);
    // No API call was made with the old token: nothing answered 105002.
    expect(f.sim.calls().some((c) => c.code === 105002)).toBe(false);
  });

  it("concurrent calls share one refresh (single-use refresh tokens survive)", async () => {
    f = await makeFixture({}, { refreshAheadMs: 3_600_000 });
    age(f, 60_000);
    await Promise.all([
      f.source.listRooms(f.shopId, 0),
      f.source.listRooms(f.shopId, 0),
      f.source.describeShop(f.shopId),
    ]);
    expect(tokenCalls(f, "/api/v2/token/refresh")).toHaveLength(1);
    expect(f.store.load(f.tokenKey)!.meta?.reauthNeeded).toBeFalsy();
  });

  it("on the expired-token code (105002) refreshes once and retries", async () => {
    f = await makeFixture();
    f.sim.buyerSends(f.shopId, { id: "b1", name: "Budi" }, "halo");
    f.sim.expireAccessTokens();
    const rooms = await f.source.listRooms(f.shopId, 0);
    expect(rooms).toHaveLength(1);
    const convCalls = f.sim.calls().filter((c) => c.path === "/customer_service/202309/conversations");
    expect(convCalls.map((c) => c.code)).toEqual([105002, 0]);
    expect(tokenCalls(f, "/api/v2/token/refresh")).toHaveLength(1);
  });

  it("a second expiry right after the refresh is reported, not looped on", async () => {
    f = await makeFixture();
    f.sim.failNext(2, { code: 105002, message: "Expired credentials." });
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_TOKEN_EXPIRED");
    expect(tokenCalls(f, "/api/v2/token/refresh")).toHaveLength(1);
  });

  it("a refused refresh marks the seller re-authorization needed (flag in meta; later calls fail fast)", async () => {
    f = await makeFixture();
    f.sim.revokeRefreshToken();
    f.sim.expireAccessTokens();
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_REAUTH_NEEDED");
    const meta = f.store.load(f.tokenKey)!.meta as unknown as TikTokShopTokenMeta;
    expect(meta.reauthNeeded).toBe(true);
    const callsBefore = f.sim.calls().length;
    expect(await codeOf(f.source.sendText({ shopId: f.shopId, roomId: "1" }, "x"))).toBe(
      "TK_ERR_TIKTOKSHOP_REAUTH_NEEDED",
    );
    expect(f.sim.calls().length).toBe(callsBefore);
    const desc = await f.source.describeShop(f.shopId);
    expect(desc.active).toBe(false);
    expect(desc.reason).toMatch(/Re-authorization needed/);
    // A new authorization clears the flag.
    await f.source.client.authorize(f.sim.authorize(f.openId));
    expect((f.store.load(f.tokenKey)!.meta as unknown as TikTokShopTokenMeta).reauthNeeded).toBeFalsy();
    expect((await f.source.describeShop(f.shopId)).active).toBe(true);
  });

  it("a transient failure of the refresh does not mark the seller for re-authorization", async () => {
    f = await makeFixture();
    f.sim.expireAccessTokens();
    f.sim.failNext(1, { status: 503, host: "auth" });
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    expect(f.store.load(f.tokenKey)!.meta?.reauthNeeded).toBeFalsy();
    await expect(f.source.listRooms(f.shopId, 0)).resolves.toEqual([]);
  });

  it("an expired refresh token means re-authorization without calling the token host", async () => {
    f = await makeFixture();
    age(f, -1000, -1000);
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_REAUTH_NEEDED");
    expect(tokenCalls(f, "/api/v2/token/refresh")).toHaveLength(0);
  });

  it("seller deauthorization makes the token invalid (TOKEN_INVALID) and describeShop inactive", async () => {
    f = await makeFixture();
    f.sim.deauthorize(f.openId);
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_TOKEN_INVALID");
    const d = await f.source.describeShop(f.shopId);
    expect(d.active).toBe(false);
  });
  it("errors never carry the app secret or tokens, even when the token host connection drops", async () => {
    f = await makeFixture();
    const t = f.store.load(f.tokenKey)!;
    f.sim.expireAccessTokens();
    f.sim.dropNext(1, { host: "auth" }); // the API says 105002; the refresh's connection then drops
    let caught: unknown;
    try {
      await f.source.listRooms(f.shopId, 0);
    } catch (err) {
      caught = err;
    }
    expect(isTkError(caught) && caught.code).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    expect(f.sim.calls().map((c) => c.code)).toContain(105002);
    expect(f.store.load(f.tokenKey)!.meta?.reauthNeeded).toBeFalsy();
    const e = caught as Error & { cause?: Error };
    const dump = [e.message, JSON.stringify(e), String(e.cause?.message), String(e.cause?.stack)].join("\n");
    for (const secret of [f.sim.appSecret, t.accessToken, t.refreshToken!])
      expect(dump).not.toContain(secret);
  });

  it("a type-6 webhook lets the engine flag the shop's seller; calls then fail fast", async () => {
    f = await makeFixture();
    f.source.markReauthNeeded(f.shopId, "the seller deauthorized the app");
    const before = f.sim.calls().length;
    expect(await codeOf(f.source.listRooms(f.shopId, 0))).toBe("TK_ERR_TIKTOKSHOP_REAUTH_NEEDED");
    expect(f.sim.calls().length).toBe(before);
  });
});
