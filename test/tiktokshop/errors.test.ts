import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import type { RoomRef } from "../../src/sources/types.js";
import { tkErrorOf } from "../helpers/tk-error.js";
import { makeFixture, otherSource, type TtsFixture } from "./harness.js";

describe("TikTok Shop typed errors, each produced by the simulator", () => {
  let f: TtsFixture;
  let room: RoomRef;
  let n = 0;
  beforeAll(async () => {
    f = await makeFixture({ webhookRetryDelaysMs: [] });
  });
  afterAll(async () => {
    await f.sim.close();
  });
  beforeEach(() => {
    n++;
    const { conversationId } = f.sim.buyerSends(f.shopId, { id: `err-buyer-${n}`, name: "Sari" }, "halo kak");
    room = { shopId: f.shopId, roomId: conversationId };
  });

  it("missing Customer Service scope → SCOPE_MISSING (105005, HTTP 401), with a fix", async () => {
    f.sim.setScopes(f.openId, ["seller.authorization.info"]);
    try {
      const e = await tkErrorOf(f.source.readMessages(room));
      expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SCOPE_MISSING");
      expect(e.details).toMatchObject({ platformCode: 105005, httpStatus: 401, retryable: false });
      expect(e.fix).toMatch(/Customer Service/);
      const d = await f.source.describeShop(f.shopId);
      expect(d.active).toBe(false);
    } finally {
      f.sim.setScopes(f.openId, ["seller.authorization.info", "seller.customer_service"]);
    }
  });

  it("IP not in the allow list → IP_NOT_ALLOWED (36009033)", async () => {
    f.sim.setIpAllowList(["203.0.113.7"]);
    try {
      const e = await tkErrorOf(f.source.listRooms(f.shopId, 0));
      expect(e.code).toBe("TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED");
      expect(e.details).toMatchObject({ platformCode: 36009033, retryable: false });
    } finally {
      f.sim.setIpAllowList(null);
    }
  });

  it("buyer outside the 30/60-day rule → CANNOT_MESSAGE_BUYER (45109001); an order in 60 days re-opens it", async () => {
    f.sim.ageConversation(room.roomId, 31);
    const e = await tkErrorOf(f.source.sendText(room, "Halo, masih minat?"));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER");
    expect(e.details).toMatchObject({ platformCode: 45109001, retryable: false });
    expect(f.sim.shopMessages(room.roomId)).toHaveLength(0);
    f.sim.buyerOrdered(room.roomId, 59);
    await expect(f.source.sendText(room, "Pesanan sudah dikirim")).resolves.toMatchObject({
      messageIds: [expect.any(String)],
    });
  });

  it("sensitive words → SENSITIVE_WORDS (45101006), nothing sent", async () => {
    f.sim.setSensitiveWords(["whatsapp"]);
    try {
      const e = await tkErrorOf(f.source.sendText(room, "Chat saya di WhatsApp ya"));
      expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SENSITIVE_WORDS");
      expect(e.details?.platformCode).toBe(45101006);
      expect(f.sim.shopMessages(room.roomId)).toHaveLength(0);
    } finally {
      f.sim.setSensitiveWords([]);
    }
  });

  it("rate limit → RATE_LIMITED (429), retryable with retryAfterMs from Retry-After", async () => {
    f.sim.failNext(1, { code: 36009002, retryAfterSec: 3 });
    const e = await tkErrorOf(f.source.listRooms(f.shopId, 0));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_RATE_LIMITED");
    expect(e.details).toMatchObject({ httpStatus: 429, retryable: true, retryAfterMs: 3000 });
  });

  it("the simulator's own QPS limit answers 429 / 36009002 → RATE_LIMITED", async () => {
    f.sim.setQuota({ qps: 2 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => f.source.listRooms(f.shopId, 0)),
      );
      const codes = results.map((r) =>
        r.status === "rejected" && isTkError(r.reason) ? r.reason.code : "ok",
      );
      expect(codes.filter((c) => c === "ok")).toHaveLength(2);
      expect(codes.filter((c) => c === "TK_ERR_TIKTOKSHOP_RATE_LIMITED")).toHaveLength(3);
    } finally {
      f.sim.setQuota({ qps: 50 });
      f.sim.resetQuotas();
    }
  });

  it("daily CS quota → QUOTA_EXCEEDED (45101004), retryable later", async () => {
    f.sim.setQuota({ dailyQuota: 1 });
    f.sim.resetQuotas();
    try {
      await f.source.listRooms(f.shopId, 0);
      const e = await tkErrorOf(f.source.listRooms(f.shopId, 0));
      expect(e.code).toBe("TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED");
      expect(e.details).toMatchObject({ platformCode: 45101004, retryable: true });
      expect(e.details?.retryAfterMs).toBeGreaterThan(0);
    } finally {
      f.sim.setQuota({ dailyQuota: 10_000 });
      f.sim.resetQuotas();
    }
  });

  it("internal error, bare 5xx and a dropped connection → TRANSIENT (retryable)", async () => {
    f.sim.failNext(1, { code: 36009003 });
    expect((await tkErrorOf(f.source.listRooms(f.shopId, 0))).code).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    f.sim.failNext(1, { status: 502 });
    const bare = await tkErrorOf(f.source.listRooms(f.shopId, 0));
    expect(bare.code).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    expect(bare.details).toMatchObject({ httpStatus: 502, retryable: true });
    // Two drops: the read receipt (best-effort, swallowed) and then the send, whose outcome is unknown.
    f.sim.dropNext(2);
    const dropped = await tkErrorOf(f.source.sendText(room, "halo"));
    expect(dropped.code).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    expect(dropped.details).toMatchObject({ retryable: true, maybeApplied: true });
    expect(f.sim.shopMessages(room.roomId)).toHaveLength(0);
  });

  it("a timeout → TRANSIENT", async () => {
    const slow = otherSource(f, { timeoutMs: 100 });
    f.sim.latency(400);
    try {
      expect((await tkErrorOf(slow.listRooms(f.shopId, 0))).code).toBe("TK_ERR_TIKTOKSHOP_TRANSIENT");
    } finally {
      f.sim.latency(0);
    }
  });

  it("wrong app secret → SIGNATURE_INVALID (106001)", async () => {
    const wrong = otherSource(f, { appSecret: "not-the-secret" });
    const e = await tkErrorOf(wrong.listRooms(f.shopId, 0));
    expect(e.code).toBe("TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID");
    expect(e.message).not.toContain("not-the-secret");
  });

  it("a cipher of another seller's shop → SHOP_MISMATCH (101000); an unbound shop → SHOP_UNKNOWN", async () => {
    const other = f.sim.createSeller({ name: "Toko Lain" });
    const mixed = otherSource(f, {
      shops: [{ shopId: other.shops[0]!.id, openId: f.openId, cipher: other.shops[0]!.cipher }],
    });
    expect((await tkErrorOf(mixed.listRooms(other.shops[0]!.id, 0))).code).toBe(
      "TK_ERR_TIKTOKSHOP_SHOP_MISMATCH",
    );
    expect((await tkErrorOf(f.source.listRooms("123", 0))).code).toBe("TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN");
    expect((await f.source.describeShop("123")).active).toBe(false);
  });

  it("an unknown conversation → NOT_FOUND (45101003); a bad id never reaches the wire", async () => {
    expect(
      (await tkErrorOf(f.source.readMessages({ shopId: f.shopId, roomId: "7000000000000000001" }))).code,
    ).toBe("TK_ERR_TIKTOKSHOP_NOT_FOUND");
    const before = f.sim.calls().length;
    expect((await tkErrorOf(f.source.readMessages({ shopId: f.shopId, roomId: "../shops" }))).code).toBe(
      "TK_ERR_TIKTOKSHOP_NOT_FOUND",
    );
    expect(f.sim.calls().length).toBe(before);
  });

  it("an empty reply → EMPTY_MESSAGE without any call", async () => {
    const before = f.sim.calls().length;
    expect((await tkErrorOf(f.source.sendText(room, "  \n "))).code).toBe("TK_ERR_TIKTOKSHOP_EMPTY_MESSAGE");
    expect(f.sim.calls().length).toBe(before);
  });

  it("a non-JSON answer from a wrong host → BAD_RESPONSE", async () => {
    f.sim.failNext(1, { status: 404 });
    expect((await tkErrorOf(f.source.listRooms(f.shopId, 0))).code).toBe("TK_ERR_TIKTOKSHOP_BAD_RESPONSE");
  });
});
