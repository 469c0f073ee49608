/**
 * Each typed Tokopedia error, produced by making the simulator fail that way over real HTTP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RoomRef } from "../../src/sources/types.js";
import { tkErrorOf } from "../helpers/tk-error.js";
import { freshSource, setupTokopedia, type TokopediaSetup } from "./harness.js";

describe("Tokopedia typed errors", () => {
  let t: TokopediaSetup;
  let room: RoomRef;

  beforeAll(async () => {
    t = await setupTokopedia(
      { rateLimit: null, maxTextLength: 50 },
      { maxRateLimitWaitMs: 0, timeoutMs: 300 },
    );
    const sent = await t.sim.buyerSends(t.shopId, "buyer-err", "halo");
    room = { shopId: t.shopId, roomId: sent.msgId };
  });
  afterAll(() => t.sim.close());
  afterEach(() => {
    t.sim.latency(0);
    t.sim.setRateLimit(null);
    t.sim.setIpWhitelist({ enforce: false });
    t.sim.restoreClient();
    t.sim.bindShop(t.shopId);
  });

  it("bad credentials → TK_ERR_TOKOPEDIA_AUTH, without the secret in the error", async () => {
    t.sim.revokeClient();
    t.store.delete("tokopedia:main");
    const err = await tkErrorOf(t.source.listRooms(t.shopId, 0));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_AUTH");
    expect(err.fix).toMatch(/client secret/i);
    expect(err.details).toMatchObject({ retryable: false, httpStatus: 401 });
    expect(JSON.stringify(err.toJSON()) + err.message).not.toContain(t.sim.app.clientSecret);
  });

  it("IP not on the allow-list → TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED", async () => {
    t.sim.setIpWhitelist({ enforce: true, ips: ["203.0.113.9"] });
    const err = await tkErrorOf(t.client.whitelist());
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED");
    expect(err.details).toMatchObject({ httpStatus: 403, retryable: false });
    t.sim.setIpWhitelist({ enforce: true, ips: ["203.0.113.9", "127.0.0.1"] });
    expect((await t.client.whitelist()).ips).toEqual(["203.0.113.9", "127.0.0.1"]);
  });

  it("shop removed → 403 RBAC_MDLW_001 → TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND", async () => {
    t.sim.unbindShop(t.shopId);
    const err = await tkErrorOf(t.source.readMessages(room));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND");
    expect(err.details).toMatchObject({ httpStatus: 403, errorCode: "RBAC_MDLW_001" });
    const described = await t.source.describeShop(t.shopId);
    expect(described).toMatchObject({ shopId: t.shopId, active: false });
  });

  it("shop pending approval is not bound either", async () => {
    t.sim.bindShop(t.shopId, { state: "pending" });
    expect((await tkErrorOf(t.source.sendText(room, "hi"))).code).toBe("TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND");
    expect(t.sim.shopReplies(room.roomId)).toEqual([]);
  });

  it("the pre-2022 form (HTTP 500, ORD_USC_015) is also SHOP_NOT_BOUND", async () => {
    t.sim.failNext(1, {
      status: 500,
      body: {
        header: {
          process_time: 21,
          messages: "We could not process your request due to malformed request, please check again",
          reason: "fs_id Is Not Associated With Shop ID or Warehouse ID",
          error_code: "ORD_USC_015",
        },
      },
    });
    expect((await tkErrorOf(t.source.listRooms(t.shopId, 0))).code).toBe("TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND");
  });

  it("permission missing (RBAC_MDLW_002) → TK_ERR_TOKOPEDIA_PERMISSION", async () => {
    t.sim.failNext(1, {
      status: 403,
      body: {
        header: {
          process_time: 0,
          messages: "Forbidden",
          reason: "permission denied",
          error_code: "RBAC_MDLW_002",
        },
        data: null,
      },
    });
    expect((await tkErrorOf(t.source.listRooms(t.shopId, 0))).code).toBe("TK_ERR_TOKOPEDIA_PERMISSION");
  });

  it("rate limited → TK_ERR_TOKOPEDIA_RATE_LIMITED with retryAfterMs from the headers", async () => {
    t.sim.setRateLimit({ perSecond: 0.5, burst: 1 });
    const { client } = freshSource(t, { maxRateLimitWaitMs: 0 });
    await client.listMessages(t.shopId);
    const err = await tkErrorOf(client.listMessages(t.shopId));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_RATE_LIMITED");
    expect(err.details?.retryable).toBe(true);
    expect(err.details?.retryAfterMs).toBeGreaterThan(1000);
    expect(err.details?.retryAfterMs).toBeLessThanOrEqual(2000);
  });

  it("a 429 from the server carries retryAfterMs", async () => {
    t.sim.failNext(1, { status: 429 });
    const { client } = freshSource(t, { maxRateLimitWaitMs: 0 });
    const err = await tkErrorOf(client.listMessages(t.shopId));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_RATE_LIMITED");
    expect(err.details?.retryAfterMs).toBeGreaterThan(0);
  });

  it("5xx → TK_ERR_TOKOPEDIA_TRANSIENT (retryable)", async () => {
    t.sim.failNext(1, { status: 503 });
    const err = await tkErrorOf(t.source.readMessages(room));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_TRANSIENT");
    expect(err.details).toMatchObject({ retryable: true, httpStatus: 503 });
  });

  it("dropped connection → TK_ERR_TOKOPEDIA_TRANSIENT", async () => {
    t.sim.dropNext(1);
    const err = await tkErrorOf(t.source.sendText(room, "will it arrive?"));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_TRANSIENT");
    expect(err.details).toMatchObject({ network: true });
    expect(t.sim.shopReplies(room.roomId)).not.toContain("will it arrive?");
  });

  it("timeout → TK_ERR_TOKOPEDIA_TRANSIENT", async () => {
    await t.client.listMessages(t.shopId); // token cached first, so the delay hits the API call
    t.sim.latency(800);
    const err = await tkErrorOf(t.client.listMessages(t.shopId));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_TRANSIENT");
    expect(err.details).toMatchObject({ timeout: true });
  });

  it("unknown room → TK_ERR_TOKOPEDIA_NOT_FOUND", async () => {
    const err = await tkErrorOf(t.source.sendText({ shopId: t.shopId, roomId: "99999999999" }, "halo"));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_NOT_FOUND");
    expect(err.fix).toMatch(/buyer must start/);
  });

  it("text too long: refused by the server, and refused locally before any request", async () => {
    const server = await tkErrorOf(t.source.sendText(room, "x".repeat(51)));
    expect(server.code).toBe("TK_ERR_TOKOPEDIA_TEXT_TOO_LONG");
    expect(server.details?.httpStatus).toBe(400);
    const before = t.sim.requests().length;
    const { TokopediaSource } = await import("../../src/sources/tokopedia/index.js");
    const strict = new TokopediaSource({ client: t.client, maxTextLength: 10 });
    const local = await tkErrorOf(strict.sendText(room, "y".repeat(11)));
    expect(local.code).toBe("TK_ERR_TOKOPEDIA_TEXT_TOO_LONG");
    expect(t.sim.requests().length).toBe(before);
  });

  it("bad parameters → TK_ERR_TOKOPEDIA_BAD_REQUEST (locally and from the server)", async () => {
    expect((await tkErrorOf(t.client.listMessages("not-a-shop"))).code).toBe("TK_ERR_TOKOPEDIA_BAD_REQUEST");
    expect((await tkErrorOf(t.client.listReplies(t.shopId, room.roomId, { perPage: 16 }))).code).toBe(
      "TK_ERR_TOKOPEDIA_BAD_REQUEST",
    );
    t.sim.failNext(1, {
      status: 400,
      body: `{"header":{"process_time":0.001552878,"messages":"Your request format or parameters have some problem.","reason":"invalid shop_id format","error_code":0},"data":null}`,
    });
    const err = await tkErrorOf(t.client.listMessages(t.shopId));
    expect(err.code).toBe("TK_ERR_TOKOPEDIA_BAD_REQUEST");
    expect(err.details?.reason).toBe("invalid shop_id format");
  });

  it("unreadable body → TK_ERR_TOKOPEDIA_BAD_RESPONSE", async () => {
    t.sim.failNext(1, { status: 200, body: "<html>gateway</html>" });
    expect((await tkErrorOf(t.client.listMessages(t.shopId))).code).toBe("TK_ERR_TOKOPEDIA_BAD_RESPONSE");
  });
});
