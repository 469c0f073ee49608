/**
 * Webhook registration (replace semantics) and signed chat webhooks delivered by the simulator.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTokopedia, type TokopediaSetup, WEBHOOK_SECRET } from "./harness.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe("Tokopedia webhooks", () => {
  let t: TokopediaSetup;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    t = await setupTokopedia({ rateLimit: null, webhookDelivery: true });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/tokopedia/main`;
  });
  afterAll(async () => {
    await t.sim.close();
    await new Promise((r) => receiver.close(r));
  });

  it("the platform replaces every URL on registration (what makes merging necessary)", async () => {
    await t.client.registerWebhooks({ order_notification_url: "https://erp.example/orders" });
    const res = await request(`${t.sim.apiUrl}/v1/fs/${t.sim.app.fsId}/register`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${t.store.load("tokopedia:main")!.accessToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ fs_id: t.sim.app.fsId, chat_notification_url: "https://x.example/chat" }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(t.sim.webhookConfig().urls.order_notification_url).toBe("");
  });

  it("registerWebhooks keeps the other URLs and sets ours with the secret", async () => {
    await t.client.registerWebhooks({
      order_notification_url: "https://erp.example/orders",
      order_status_url: "https://erp.example/status",
      webhook_secret: "erp-secret",
    });
    await t.client.registerWebhooks({ chat_notification_url: receiverUrl, webhook_secret: WEBHOOK_SECRET });
    const cfg = t.sim.webhookConfig();
    expect(cfg.urls).toMatchObject({
      order_notification_url: "https://erp.example/orders",
      order_status_url: "https://erp.example/status",
      chat_notification_url: receiverUrl,
    });
    expect(cfg.secret).toBe(WEBHOOK_SECRET);
    const listed = await t.client.listWebhooks();
    expect(listed.urls.chat_notification_url).toBe(receiverUrl);
    expect(listed.fsId).toBe(String(t.sim.app.fsId));
  });

  it("refuses unknown webhook fields without calling Tokopedia", async () => {
    const before = t.sim.requests().length;
    await expect(t.client.registerWebhooks({ chat_notification: "x" })).rejects.toMatchObject({
      code: "TK_ERR_TOKOPEDIA_BAD_REQUEST",
    });
    expect(t.sim.requests().length).toBe(before);
  });

  it("a buyer message POSTs a signed chat webhook the source verifies and parses", async () => {
    received.length = 0;
    const sent = await t.sim.buyerSends(t.shopId, "wh-buyer", "cek https://tokopedia.com/p/1?a=1&b=2", {
      buyerName: "Budi",
    });
    expect(sent.deliveries[0]?.status).toBe(200);
    const got = received[0]!;
    expect(got.headers["authorization-hmac"]).toMatch(/^[0-9a-f]{64}$/);
    expect(t.source.verifyWebhook(got.headers, got.body)).toBe(true);
    expect(t.source.verifyWebhook({ "authorization-hmac": "0".repeat(64) }, got.body)).toBe(false);
    const [hint] = t.source.parseWebhook(got.body);
    expect(hint).toMatchObject({
      shopId: t.shopId,
      roomId: sent.msgId,
      buyer: { name: "Budi", platform: "TOKOPEDIA" },
      fallback: {
        messageId: `wh:${createHash("sha256").update(got.body).digest("hex")}`,
        sender: "buyer",
        content: { kind: "text", text: "cek https://tokopedia.com/p/1?a=1&b=2" },
      },
    });
    expect(Number(hint!.roomId)).toBeGreaterThan(2 ** 31);
  });

  it("webhook fallbacks render image, product, invoice and sticker", async () => {
    received.length = 0;
    await t.sim.buyerSends(t.shopId, "wh-buyer", { kind: "image", url: "https://img.example/a.jpg" });
    await t.sim.buyerSends(t.shopId, "wh-buyer", {
      kind: "product",
      name: "Kaos Polos",
      price: "Rp50.000",
      url: "https://tokopedia.com/dumiesshop/kaos",
      imageUrl: "https://img.example/kaos.jpg",
    });
    await t.sim.buyerSends(t.shopId, "wh-buyer", {
      kind: "invoice",
      code: "INV/20240101/XXIV/I/123",
      total: "Rp100.000",
      status: "Pesanan Selesai",
      url: "https://tokopedia.com/invoice/1",
    });
    await t.sim.buyerSends(t.shopId, "wh-buyer", { kind: "sticker", name: "terima kasih" });
    const kinds = received.map((r) => t.source.parseWebhook(r.body)[0]!.fallback!.content);
    expect(kinds).toEqual([
      { kind: "image", url: "https://img.example/a.jpg" },
      {
        kind: "product",
        name: "Kaos Polos",
        price: "Rp50.000",
        url: "https://tokopedia.com/dumiesshop/kaos",
        imageUrl: "https://img.example/kaos.jpg",
      },
      {
        kind: "order",
        code: "INV/20240101/XXIV/I/123",
        total: "Rp100.000",
        status: "Pesanan Selesai",
        url: "https://tokopedia.com/invoice/1",
      },
      { kind: "sticker", name: "terima kasih" },
    ]);
  });

  it("delivery can be switched off", async () => {
    t.sim.setWebhookDelivery(false);
    received.length = 0;
    const sent = await t.sim.buyerSends(t.shopId, "wh-buyer", "quiet");
    expect(sent.deliveries).toEqual([]);
    expect(received).toEqual([]);
    t.sim.setWebhookDelivery(true);
  });

  it("malformed bodies throw TK_ERR_WEBHOOK_MALFORMED", () => {
    for (const body of ["{not json", "[]", `{"shop_id":1,"message":"x"}`, `{"msg_id":"abc","shop_id":1}`]) {
      expect(() => t.source.parseWebhook(Buffer.from(body))).toThrow(
        expect.objectContaining({ code: "TK_ERR_WEBHOOK_MALFORMED" }),
      );
    }
  });
});
