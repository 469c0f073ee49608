/**
 * Token caching and the "new token only after expiry" rule, against the simulator's /token.
 */

import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import { freshSource, setupTokopedia, type TokopediaSetup } from "./harness.js";

const tokenCalls = (t: TokopediaSetup) => t.sim.requests().filter((r) => r.path === "/token").length;

describe("Tokopedia access tokens", () => {
  let t: TokopediaSetup;
  beforeAll(async () => {
    t = await setupTokopedia({ rateLimit: null });
  });
  afterAll(() => t.sim.close());

  it("fetches once and reuses the cached token while it is valid", async () => {
    const before = tokenCalls(t);
    await t.client.listMessages(t.shopId);
    await t.client.listMessages(t.shopId);
    await t.client.whitelist();
    expect(tokenCalls(t) - before).toBe(1);
    const stored = t.store.load("tokopedia:main");
    expect(stored?.accessToken).toMatch(/^c:/);
    expect(stored!.expiresAt - stored!.obtainedAt).toBe(1_209_600_000);
  });

  it("shares the stored token with another client on the same store (no new /token)", async () => {
    const before = tokenCalls(t);
    const { client } = freshSource(t);
    await client.shopInfo();
    expect(tokenCalls(t)).toBe(before);
  });

  it("concurrent first calls share one /token request", async () => {
    const store = new MemoryTokenStore();
    const { client } = freshSource(t, { appName: "other", tokenStore: store });
    const before = tokenCalls(t);
    await Promise.all([client.listMessages(t.shopId), client.whitelist(), client.shopInfo()]);
    expect(tokenCalls(t) - before).toBe(1);
    expect(store.load("tokopedia:other")).toBeDefined();
  });

  it("on 401 with a still-valid cached token, re-fetches once and retries", async () => {
    await t.client.listMessages(t.shopId);
    const old = t.store.load("tokopedia:main")!.accessToken;
    t.sim.expireTokens();
    const before = tokenCalls(t);
    const minted = t.sim.tokenStats.minted;
    await t.client.listMessages(t.shopId);
    expect(tokenCalls(t) - before).toBe(1);
    expect(t.sim.tokenStats.minted).toBe(minted + 1);
    expect(t.store.load("tokopedia:main")!.accessToken).not.toBe(old);
  });

  it("a client clock past expiry asks again; the platform hands back the same live token", async () => {
    let clock = Date.now();
    const store = new MemoryTokenStore();
    const { client } = freshSource(t, { appName: "clock", tokenStore: store, now: () => clock });
    await client.whitelist();
    const first = store.load("tokopedia:clock")!;
    clock = first.expiresAt - 1;
    await client.whitelist();
    expect(client.tokens.fetchCount).toBe(1);
    clock = first.expiresAt + 1;
    await client.whitelist();
    expect(client.tokens.fetchCount).toBe(2);
    expect(store.load("tokopedia:clock")!.accessToken).toBe(first.accessToken);
  });

  it("revoked credentials: one re-fetch, then TK_ERR_TOKOPEDIA_AUTH", async () => {
    await t.client.listMessages(t.shopId);
    t.sim.revokeClient();
    const before = tokenCalls(t);
    await expect(t.client.listMessages(t.shopId)).rejects.toMatchObject({ code: "TK_ERR_TOKOPEDIA_AUTH" });
    expect(tokenCalls(t) - before).toBe(1);
    t.sim.restoreClient();
    await t.client.listMessages(t.shopId);
  });

  it("simulator: /token before expiry returns the same token with its remaining lifetime", async () => {
    const basic = Buffer.from(`${t.sim.app.clientId}:${t.sim.app.clientSecret}`).toString("base64");
    const ask = async (query: string, body?: string) => {
      const res = await request(`${t.sim.authUrl}/token${query}`, {
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        ...(body ? { body } : {}),
      });
      return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
    };
    const a = await ask("?grant_type=client_credentials");
    const b = await ask("", "grant_type=client_credentials");
    expect(a.status).toBe(200);
    expect(b.json.access_token).toBe(a.json.access_token);
    expect(b.json.expires_in as number).toBeLessThanOrEqual(a.json.expires_in as number);
    expect((await ask("")).status).toBe(400);
    const wrong = await request(`${t.sim.authUrl}/token?grant_type=client_credentials`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from("sim-client-id:nope").toString("base64")}` },
    });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
  });
});
