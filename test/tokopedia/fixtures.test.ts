/**
 * Public payloads (Tokopedia's docs examples, SDK fixtures, real captures) parse into the client types.
 */
import { describe, expect, it } from "vitest";
import {
  parseChatNotification,
  parseJsonKeepingIds,
  parseReply,
  parseRoom,
  parseSentReply,
  parseShop,
  parseWebhookConfig,
  parseWhitelist,
  readEnvelope,
  renderReply,
  signTokopediaWebhook,
} from "../../src/sources/tokopedia/index.js";

const env = (text: string, status = 200) => readEnvelope(parseJsonKeepingIds(text), status);

describe("Tokopedia fixtures from public sources", () => {
  it("list messages (docs): envelope A, capital Name, ms time", () => {
    const e = env(
      `{"header":{"process_time":0,"messages":"success","reason":"","error_code":0},"data":[{"message_key":"user-456456~shop-123123","msg_id":123123,"attributes":{"contact":{"id":456456,"role":"user","attributes":{"Name":"Owen","tag":"Pengguna","thumbnail":"https://accounts-staging.tokopedia.com/image/v1/u/456456/user_thumbnail/"}},"last_reply_msg":"test","last_reply_time":1571646034517,"read_status":2,"unreads":0,"pin_status":0}}]}`,
    );
    expect(e.form).toBe("A");
    expect(e.ok).toBe(true);
    const room = parseRoom((e.data as Record<string, unknown>[])[0]!);
    expect(room).toMatchObject({
      msgId: "123123",
      messageKey: "user-456456~shop-123123",
      lastReplyTime: 1571646034517,
      contact: { id: "456456", role: "user", name: "Owen", tag: "Pengguna" },
    });
  });

  it("list messages (a PHP SDK fixture): lowercase name", () => {
    const room = parseRoom(
      parseJsonKeepingIds(
        `{"msg_id":2360940371,"attributes":{"contact":{"id":211073127,"role":"User","attributes":{"name":"owen"}},"last_reply_msg":"x","last_reply_time":1686453834982}}`,
      ) as Record<string, unknown>,
    );
    expect(room.contact.name).toBe("owen");
    expect(room.msgId).toBe("2360940371");
  });

  it("list replies (docs): HTML anchor reduced to its URL, buyer side", () => {
    const e = env(
      `{"header":{"process_time":0,"messages":"success","reason":"","error_code":0},"data":[{"msg_id":54321,"sender_id":13579,"role":"User","msg":"<a rel=\\"nofollow\\" target=\\"_blank\\" href=\\"https://staging.tokopedia.com/fuados-tiga/test-product\\">https://staging.tokopedia.com/fuados-tiga/test-product</a>","reply_time":1564741529630,"reply_id":98765,"sender_name":"Owen","read_status":2,"read_time":1564741529221,"status":1,"attachment_id":77777,"message_is_read":true,"is_opposite":true,"is_first_reply":false,"is_reported":false}]}`,
    );
    const reply = parseReply((e.data as Record<string, unknown>[])[0]!);
    expect(reply).toMatchObject({
      msgId: "54321",
      replyId: "98765",
      replyTime: 1564741529630,
      isOpposite: true,
    });
    expect(renderReply(reply)).toEqual({
      kind: "text",
      text: "https://staging.tokopedia.com/fuados-tiga/test-product",
    });
  });

  it("list replies with the Jubelio `attachment` object renders an image", () => {
    const reply = parseReply(
      parseJsonKeepingIds(
        `{"msg_id":2360940371,"sender_id":211073127,"role":"User","msg":"Uploaded Image","reply_time":1686453834982,"reply_id":3000000001,"sender_name":"Budi","attachment":{"id":9,"type":2,"attributes":{"thumbnail":"https://img/t.jpg","image_url":"https://img/i.jpg","product_id":0},"fallback_attachment":{"message":"https://img/i.jpg","html":""}}}`,
      ) as Record<string, unknown>,
    );
    expect(renderReply(reply)).toEqual({ kind: "image", url: "https://img/i.jpg" });
  });

  it("send reply (real capture): integer process_time, integer role, id above 2^31", () => {
    const e = env(
      `{"header":{"process_time":35,"messages":"success","reason":"","error_code":0},"data":{"msg_id":2360940371,"sender_id":211073127,"role":2,"msg":"Halo ada yang bisa dibantu? dira","reply_time":1686453834982,"from":"Jubelio's","attachment":{}}}`,
    );
    expect(e.processTime).toBe(35);
    expect(parseSentReply(e.data)).toEqual({
      msgId: "2360940371",
      senderId: "211073127",
      role: "2",
      msg: "Halo ada yang bisa dibantu? dira",
      replyTime: 1686453834982,
      from: "Jubelio's",
    });
  });

  it("send reply (docs): float process_time", () => {
    const e = env(
      `{"header":{"process_time":0.017376506,"messages":"success","reason":"","error_code":0},"data":{"msg_id":54321,"sender_id":123456,"role":2,"msg":"Terimakasih","reply_time":1571626816456,"from":"Owen","attachment":{}}}`,
    );
    expect(e.processTime).toBeCloseTo(0.017376506);
    expect(parseSentReply(e.data).replyTime).toBe(1571626816456);
  });

  it("keeps the digits of ids above 2^53", () => {
    const reply = parseReply(
      parseJsonKeepingIds(
        `{"msg_id":9223372036854775807,"reply_id":9007199254740993,"sender_id":1,"role":"User","msg":"a","reply_time":1686453834982}`,
      ) as Record<string, unknown>,
    );
    expect(reply.msgId).toBe("9223372036854775807");
    expect(reply.replyId).toBe("9007199254740993");
  });

  it("does not touch digits inside strings", () => {
    expect(parseJsonKeepingIds(`{"a":"9007199254740993 and \\"12345678901234567\\"","b":1.5e3}`)).toEqual({
      a: '9007199254740993 and "12345678901234567"',
      b: 1500,
    });
  });

  it("shop-info in envelope A (docs) and envelope B (2021 fixture)", () => {
    const a = env(
      `{"header":{"process_time":0,"messages":"Successfully get retrieved shop info data","reason":"","error_code":0},"data":[{"shop_id":481154,"user_id":8970523,"shop_name":"dumiesshop","logo":"https://images.tokopedia.net/x.png","shop_url":"https://tokopedia.com/dumiesshop","is_open":1,"status":1,"date_shop_created":"2019-09-24","domain":"dumiesshop","admin_id":[8970523],"reason":"","warehouses":[{"warehouse_id":19689,"partner_id":{"Int64":0,"Valid":false},"shop_id":{"Int64":481154,"Valid":true}}]}]}`,
    );
    expect(parseShop((a.data as Record<string, unknown>[])[0]!)).toMatchObject({
      shopId: "481154",
      name: "dumiesshop",
      domain: "dumiesshop",
      isOpen: true,
    });
    const b = env(
      `{"data":[{"shop_id":479979,"user_id":5511917,"shop_name":"Aqua","logo":"x","shop_url":"https://staging.tokopedia.com/aqua","is_open":1,"status":1,"date_shop_created":"2017-07-20","domain":"aqua","admin_id":[5511917],"reason":""}],"status":"200 Ok","error_message":[]}`,
    );
    expect(b.form).toBe("B");
    expect(b.ok).toBe(true);
    expect(parseShop((b.data as Record<string, unknown>[])[0]!).shopId).toBe("479979");
  });

  it("envelope B errors keep their inner status", () => {
    const b = env(`{"data":null,"status":"400 Bad Request","error_message":["Invalid FS ID Format"]}`);
    expect(b).toMatchObject({ ok: false, status: 400, messages: "Invalid FS ID Format" });
  });

  it("a validation error with error_code 0 and data null is not a success", () => {
    const e = env(
      `{"header":{"process_time":0.001552878,"messages":"Your request format or parameters have some problem.","reason":"invalid shop_id format","error_code":0},"data":null}`,
    );
    expect(e.ok).toBe(false);
    expect(e.reason).toBe("invalid shop_id format");
  });

  it("an RBAC error carries its string code", () => {
    const e = env(
      `{"header":{"process_time":21,"messages":"We could not process your request due to malformed request, please check again","reason":"fs_id Is Not Associated With Shop ID or Warehouse ID","error_code":"ORD_USC_015"}}`,
      500,
    );
    expect(e).toMatchObject({ ok: false, errorCode: "ORD_USC_015", processTime: 21 });
  });

  it("whitelist (docs): header without reason/error_code", () => {
    const e = env(
      `{"header":{"process_time":0.017376506,"messages":"Your request has been processed successfully"},"data":{"fs_id":13138,"ip_whitelisted":["202.80.212.75","5.37.157.153"]}}`,
    );
    expect(e.ok).toBe(true);
    expect(parseWhitelist(e.data)).toEqual({ fsId: "13138", ips: ["202.80.212.75", "5.37.157.153"] });
  });

  it("list registered webhooks (a PHP SDK fixture) in envelope B", () => {
    const e = env(
      `{"data":{"fs_id":13004,"order_notification_url":"http://yourstore.com/v1/order/notification","chat_notification_url":"http://yourstore.com/v1/chat/notification","webhook_secret":"webhook_secret"},"status":"200 Ok","error_message":[]}`,
    );
    expect(parseWebhookConfig(e.data)).toEqual({
      fsId: "13004",
      urls: {
        order_notification_url: "http://yourstore.com/v1/order/notification",
        chat_notification_url: "http://yourstore.com/v1/chat/notification",
      },
      webhookSecret: "webhook_secret",
    });
    expect(env(`{"data":"success","status":"200 Ok","error_message":[]}`).ok).toBe(true);
  });

  it("chat webhook: documented body and a locally computed HMAC vector", () => {
    const body = Buffer.from(
      `{"msg_id":10000,"buyer_id":654321,"message":"Hello World","thumbnail":"https://cdn.tokopedia.com/image.jpg","full_name":"Budi","shop_id":123456}`,
    );
    expect(signTokopediaWebhook("webhook_secret", body)).toBe(
      "662f69989ee10d87543eed3d90aeb9248d2a9c0a256466beecec246a7d3a9d17",
    );
    expect(parseChatNotification(body)).toEqual({
      msgId: "10000",
      shopId: "123456",
      buyerId: "654321",
      fullName: "Budi",
      thumbnail: "https://cdn.tokopedia.com/image.jpg",
      message: "Hello World",
    });
  });

  it("chat webhook: observed user_id + payload product", () => {
    const n = parseChatNotification(
      Buffer.from(
        `{"msg_id":2360940371,"user_id":211073127,"shop_id":481154,"message":"https://tokopedia.com/p/1","payload":{"attachment_type":3,"image":{"image_url":""},"product":{"product_id":15,"product_url":"https://tokopedia.com/p/1","name":"Kaos","price":"Rp50.000","image_url":"https://img/p.jpg"}}}`,
      ),
    );
    expect(n.buyerId).toBe("211073127");
    expect(n.payload).toEqual({
      attachmentType: 3,
      product: {
        productId: "15",
        productUrl: "https://tokopedia.com/p/1",
        name: "Kaos",
        price: "Rp50.000",
        imageUrl: "https://img/p.jpg",
      },
    });
  });
});
