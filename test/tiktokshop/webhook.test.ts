import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import {
  parseJsonKeepingBigInts,
  parseWebhookBody,
  verifyWebhookSignature,
} from "../../src/sources/tiktokshop/index.js";
import type { WebhookHint } from "../../src/sources/types.js";
import { waitFor } from "../helpers/wait.js";
import { makeFixture, type TtsFixture } from "./harness.js";

const W2_BODY =
  '{"type":14,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1644412885,"data":{"content":"{\\"content\\":\\"444\\"}","conversation_id":"710688832392260838","create_time":1681790246,"is_visible":true,"message_id":"722323407926368819","index":"7494560109732334274","type":"TEXT","sender":{"im_user_id":"707885565181165594","role":"BUYER"}}}';

describe("TikTok Shop webhook verification and parsing", () => {
  it("W1 (official) and W2 vectors verify; any change to body, key or header fails", () => {
    const w1 =
      '{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507","timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178","order_status":"UNPAID","update_time":1718305585}}';
    const sig1 = "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05";
    expect(verifyWebhookSignature("abcdef", "123", { authorization: sig1 }, Buffer.from(w1))).toBe(true);
    const sig2 = "55a125e699f42aa2b6dc888dac139aa82395ce9f8fffc6abcf99dfe7f1f844b5";
    expect(verifyWebhookSignature("abcdef", "123", { Authorization: sig2 }, Buffer.from(W2_BODY))).toBe(true);
    expect(verifyWebhookSignature("abcdef", "123", { authorization: [sig2] }, Buffer.from(W2_BODY))).toBe(
      true,
    );
    expect(verifyWebhookSignature("abcdeg", "123", { authorization: sig2 }, Buffer.from(W2_BODY))).toBe(
      false,
    );
    expect(verifyWebhookSignature("abcdef", "124", { authorization: sig2 }, Buffer.from(W2_BODY))).toBe(
      false,
    );
    expect(verifyWebhookSignature("abcdef", "123", { authorization: sig2 }, Buffer.from(`${W2_BODY} `))).toBe(
      false,
    );
    expect(
      verifyWebhookSignature("abcdef", "123", { authorization: `Bearer ${sig2}` }, Buffer.from(W2_BODY)),
    ).toBe(false);
    expect(
      verifyWebhookSignature("abcdef", "123", { authorization: sig2.slice(0, 63) }, Buffer.from(W2_BODY)),
    ).toBe(false);
    expect(verifyWebhookSignature("abcdef", "123", {}, Buffer.from(W2_BODY))).toBe(false);
  });

  it("parses type 14 into a hint with the notification id and the whole message, index included", () => {
    const [hint] = parseWebhookBody(Buffer.from(W2_BODY));
    expect(hint).toEqual<WebhookHint>({
      shopId: "7494049642642441621",
      roomId: "710688832392260838",
      notificationId: "7327112393057371910",
      fallback: {
        shopId: "7494049642642441621",
        roomId: "710688832392260838",
        messageId: "722323407926368819",
        sentAt: 1681790246000,
        sender: "buyer",
        content: { kind: "text", text: "444" },
        order: "7494560109732334274",
      },
    });
  });

  it("parses types 13, 6 and 7; ignores other topics; keeps big numeric ids exact", () => {
    const body = (o: unknown) => Buffer.from(JSON.stringify(o));
    expect(
      parseWebhookBody(
        Buffer.from(
          '{"type":13,"tts_notification_id":7327112393057371911,"shop_id":7494049642642441621,"timestamp":1644412885,"data":{"conversation_id":576486316948490001,"create_time":1627587506}}',
        ),
      ),
    ).toEqual([
      {
        shopId: "7494049642642441621",
        roomId: "576486316948490001",
        roomOnly: true,
        notificationId: "7327112393057371911",
      },
    ]);
    expect(
      parseWebhookBody(
        body({ type: 6, tts_notification_id: "1", shop_id: "9", timestamp: 1, data: { message: "x" } }),
      ),
    ).toEqual([{ shopId: "9", roomId: "", notificationId: "1", event: "deauthorized" }]);
    expect(
      parseWebhookBody(
        body({
          type: 7,
          tts_notification_id: "2",
          shop_id: "9",
          timestamp: 1,
          data: { expiration_time: "1627587506" },
        }),
      ),
    ).toEqual([{ shopId: "9", roomId: "", notificationId: "2", event: "authorization_expiring" }]);
    expect(
      parseWebhookBody(body({ type: 1, tts_notification_id: "3", shop_id: "9", timestamp: 1, data: {} })),
    ).toEqual([]);
  });

  it("rejects malformed bodies with TK_ERR_WEBHOOK_MALFORMED", () => {
    for (const raw of ["{nope", "[]", '{"shop_id":"1"}', '{"type":14,"shop_id":"1","data":{}}']) {
      let code: string | undefined;
      try {
        parseWebhookBody(Buffer.from(raw));
      } catch (err) {
        code = isTkError(err) ? err.code : "other";
      }
      expect(code).toBe("TK_ERR_WEBHOOK_MALFORMED");
    }
  });

  it("big-int JSON parsing keeps digits and leaves strings alone", () => {
    expect(
      parseJsonKeepingBigInts(
        '{"a":7494560109732334261,"b":"7494560109732334261","c":1.5,"d":-12,"e":"x\\"1234567890123456789"}',
      ),
    ).toEqual({
      a: "7494560109732334261",
      b: "7494560109732334261",
      c: 1.5,
      d: -12,
      e: 'x"1234567890123456789',
    });
  });
});

describe("TikTok Shop simulator webhook delivery", () => {
  let f: TtsFixture;
  let receiver: Server;
  let answer = 200;
  const received: Array<{ headers: IncomingMessage["headers"]; body: Buffer }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    f = await makeFixture({
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/tiktokshop/tts`,
      webhookRetryDelaysMs: [20, 20],
    });
  });
  afterAll(async () => {
    await f.sim.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const hints = () => received.flatMap((r) => f.source.parseWebhook(r.body));

  it("a new buyer posts signed type 13 then 14; the shop's own send is echoed as 14", async () => {
    received.length = 0;
    const { conversationId } = f.sim.buyerSends(f.shopId, { id: "wh-buyer", name: "Rina" }, "ada stok?");
    await f.sim.flushWebhooks();
    expect(received.every((r) => f.source.verifyWebhook(r.headers, r.body))).toBe(true);
    expect(received.map((r) => (JSON.parse(r.body.toString()) as { type: number }).type)).toEqual([13, 14]);
    expect(hints().every((h) => h.roomId === conversationId && h.shopId === f.shopId)).toBe(true);
    const sent = await f.source.sendText({ shopId: f.shopId, roomId: conversationId }, "Ada kak");
    await f.sim.flushWebhooks();
    const echo = hints().at(-1)!;
    expect(echo.fallback).toMatchObject({ sender: "shop", messageId: sent.messageIds[0] });
  });

  it("redelivery repeats the same notification (same id, same bytes) N times", async () => {
    received.length = 0;
    f.sim.buyerSends(f.shopId, { id: "wh-buyer", name: "Rina" }, "halo lagi");
    await f.sim.flushWebhooks();
    await f.sim.redeliverLastWebhook(3);
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.body.toString())).size).toBe(1);
    expect(new Set(hints().map((h) => h.notificationId)).size).toBe(1);
  });

  it("a failed delivery is retried on the schedule; 401 counts as answered", async () => {
    received.length = 0;
    answer = 500;
    const from = f.sim.webhookDeliveries().length;
    f.sim.buyerSends(f.shopId, { id: "wh-buyer", name: "Rina" }, "retry me");
    await f.sim.flushWebhooks();
    answer = 401;
    // The retry comes on the simulator's schedule (20 ms here): wait for it, not for a guess at its time.
    await waitFor("the retry", () =>
      f.sim
        .webhookDeliveries()
        .slice(from)
        .some((d) => d.attempt === 2),
    );
    await f.sim.flushWebhooks();
    const last = f.sim.webhookDeliveries().slice(-2);
    expect(last.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 500, false],
      [2, 401, true],
    ]);
    answer = 200;
  });

  it("deauthorization sends type 6 and the expiring notice type 7, parsed as events", async () => {
    received.length = 0;
    const other = f.sim.createSeller({ name: "Toko Pergi" });
    f.sim.authorizationExpiring(other.openId, 5);
    f.sim.deauthorize(other.openId);
    await f.sim.flushWebhooks();
    expect(hints().map((h) => [h.shopId, h.event])).toEqual([
      [other.shops[0]!.id, "authorization_expiring"],
      [other.shops[0]!.id, "deauthorized"],
    ]);
  });
});
