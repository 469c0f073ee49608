/** The simulator is as strict as the platform: raw HTTP requests, signed by hand, get the documented codes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { signApiRequest } from "../../src/sources/tiktokshop/signing.js";

let sim: TikTokShopSim;
let token: string;
let refresh: string;
let cipher: string;

interface Envelope {
  code: number;
  message: string;
  request_id: string;
  data: Record<string, unknown> | null;
}

async function call(
  method: string,
  path: string,
  opts: {
    query?: Record<string, string>;
    body?: string;
    token?: string | null;
    ts?: number;
    sign?: string;
    ct?: string;
  } = {},
): Promise<{ status: number; json: Envelope }> {
  const query: Record<string, string> = {
    app_key: sim.appKey,
    timestamp: String(opts.ts ?? Math.floor(Date.now() / 1000)),
    ...(opts.query ?? {}),
  };
  query.sign =
    opts.sign ??
    signApiRequest({ appSecret: sim.appSecret, path, query, ...(opts.body ? { body: opts.body } : {}) });
  const url = new URL(path, sim.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const headers: Record<string, string> = { "content-type": opts.ct ?? "application/json" };
  if (opts.token !== null) headers["x-tts-access-token"] = opts.token ?? token;
  const res = await fetch(url, { method, headers, ...(opts.body ? { body: opts.body } : {}) });
  return { status: res.status, json: (await res.json()) as Envelope };
}

async function tokenGet(params: Record<string, string>): Promise<Envelope> {
  const url = new URL("/api/v2/token/get", sim.url);
  for (const [k, v] of Object.entries({ app_key: sim.appKey, app_secret: sim.appSecret, ...params }))
    url.searchParams.set(k, v);
  return (await (await fetch(url)).json()) as Envelope;
}

async function tokenRefresh(rt: string): Promise<Envelope> {
  const url = new URL("/api/v2/token/refresh", sim.url);
  for (const [k, v] of Object.entries({
    app_key: sim.appKey,
    app_secret: sim.appSecret,
    refresh_token: rt,
    grant_type: "refresh_token",
  })) {
    url.searchParams.set(k, v);
  }
  return (await (await fetch(url)).json()) as Envelope;
}

beforeAll(async () => {
  sim = await startTikTokShopSim({ accessTokenLifetimeSec: 3600 });
  const seller = sim.createSeller();
  cipher = seller.shops[0]!.cipher;
  const t = await tokenGet({ auth_code: sim.authorize(seller.openId), grant_type: "authorized_code" });
  expect(t.code).toBe(0);
  expect(t.message).toBe("success");
  token = t.data!.access_token as string;
  refresh = t.data!.refresh_token as string;
  // Absolute expiry in seconds, not a duration.
  expect(t.data!.access_token_expire_in as number).toBeGreaterThan(Math.floor(Date.now() / 1000) + 3500);
});
afterAll(async () => {
  await sim.close();
});

describe("TikTok Shop simulator gateway", () => {
  it("accepts a correctly signed call and answers the documented envelope", async () => {
    const r = await call("GET", "/authorization/202309/shops");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      code: 0,
      message: "Success",
      data: { shops: [expect.objectContaining({ cipher })] },
    });
    expect(r.json.request_id).toMatch(/^\d{14}[0-9A-F]+$/);
  });

  it("wrong sign → 106001 with data null; missing sign → 36009004", async () => {
    const bad = await call("GET", "/authorization/202309/shops", { sign: "0".repeat(64) });
    expect([bad.status, bad.json.code, bad.json.data]).toEqual([401, 106001, null]);
    const url = new URL("/authorization/202309/shops", sim.url);
    url.searchParams.set("app_key", sim.appKey);
    url.searchParams.set("timestamp", String(Math.floor(Date.now() / 1000)));
    const res = await fetch(url, { headers: { "x-tts-access-token": token } });
    expect(((await res.json()) as Envelope).code).toBe(36009004);
  });

  it("the body is signed byte for byte: same JSON with other spacing fails", async () => {
    const path = `/customer_service/202309/conversations`;
    const signedBody = '{"buyer_user_id":"1"}';
    const query: Record<string, string> = {
      app_key: sim.appKey,
      timestamp: String(Math.floor(Date.now() / 1000)),
      shop_cipher: cipher,
    };
    const sign = signApiRequest({ appSecret: sim.appSecret, path, query, body: signedBody });
    const r = await call("POST", path, {
      query: { shop_cipher: cipher },
      body: '{"buyer_user_id": "1"}',
      sign,
    });
    expect(r.json.code).toBe(106001);
  });

  it("timestamps outside [-300 s, +30 s] → 36009004", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await call("GET", "/authorization/202309/shops", { ts: now - 301 })).json.code).toBe(36009004);
    expect((await call("GET", "/authorization/202309/shops", { ts: now + 31 })).json.code).toBe(36009004);
    expect((await call("GET", "/authorization/202309/shops", { ts: now - 200 })).json.code).toBe(0);
  });

  it("token checks: missing or unknown → 36009004 (401)", async () => {
    expect((await call("GET", "/authorization/202309/shops", { token: null })).json.code).toBe(36009004);
    const r = await call("GET", "/authorization/202309/shops", { token: "TTP_nope" });
    expect([r.status, r.json.code]).toEqual([401, 36009004]);
  });

  it("shop_cipher: refused on /authorization, required (106013) on CS, must match the token (101000)", async () => {
    const extra = await call("GET", "/authorization/202309/shops", { query: { shop_cipher: cipher } });
    expect(extra.json.code).toBe(36009004);
    expect(extra.json.message).toMatch(/shop_cipher/);
    expect(
      (await call("GET", "/customer_service/202309/conversations", { query: { page_size: "20" } })).json.code,
    ).toBe(106013);
    const other = sim.createSeller().shops[0]!.cipher;
    expect(
      (
        await call("GET", "/customer_service/202309/conversations", {
          query: { page_size: "20", shop_cipher: other },
        })
      ).json.code,
    ).toBe(101000);
  });

  it("page_size caps: 21 conversations or 11 messages per page → 45101001", async () => {
    expect(
      (
        await call("GET", "/customer_service/202309/conversations", {
          query: { page_size: "21", shop_cipher: cipher },
        })
      ).json.code,
    ).toBe(45101001);
    expect(
      (
        await call("GET", "/customer_service/202309/conversations", {
          query: { page_size: "20", shop_cipher: cipher },
        })
      ).json,
    ).toMatchObject({
      code: 0,
      data: { next_page_token: "" },
    });
  });

  it("unknown path → 404 / 36009009; wrong method → 36009010; upload without multipart → 36009023", async () => {
    const nope = await call("GET", "/customer_service/202309/nothing", { query: { shop_cipher: cipher } });
    expect([nope.status, nope.json.code]).toEqual([404, 36009009]);
    expect((await call("DELETE", "/authorization/202309/shops")).json.code).toBe(36009010);
    expect(
      (
        await call("POST", "/customer_service/202309/images/upload", {
          query: { shop_cipher: cipher },
          body: "{}",
        })
      ).json.code,
    ).toBe(36009023);
  });

  it("token host: codes are single-use, grant_type is checked, refresh tokens are single-use and rotate", async () => {
    expect((await tokenGet({ auth_code: "TTP_unknown", grant_type: "authorized_code" })).code).toBe(36004004);
    const seller = sim.createSeller();
    const code = sim.authorize(seller.openId);
    expect((await tokenGet({ auth_code: code, grant_type: "refresh_token" })).code).not.toBe(0);
    const first = await tokenRefresh(refresh);
    expect(first.code).toBe(0);
    expect(first.data!.refresh_token).not.toBe(refresh);
    expect((await tokenRefresh(refresh)).code).not.toBe(0);
    const wrongSecret = new URL("/api/v2/token/refresh", sim.url);
    wrongSecret.searchParams.set("app_key", sim.appKey);
    wrongSecret.searchParams.set("app_secret", "wrong");
    expect(((await (await fetch(wrongSecret)).json()) as Envelope).code).toBe(36009004);
  });
});
