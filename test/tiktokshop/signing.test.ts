import { describe, expect, it } from "vitest";
import { signApiRequest, signWebhookBody } from "../../src/sources/tiktokshop/index.js";

// Official vectors (V1–V3, W1) of the signing and webhook pages; derived S1/S3/S5 pin exact bytes and multipart.
describe("TikTok Shop signing vectors", () => {
  it("V1: GET /authorization/202309/shops", () => {
    expect(
      signApiRequest({
        appSecret: "e59af819cc",
        path: "/authorization/202309/shops",
        query: { app_key: "29a39d", timestamp: "1623812664" },
      }),
    ).toBe("b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8");
  });

  const v2query = {
    timestamp: "1696909648",
    shop_cipher: "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK",
    app_key: "68xu9ks5p4i8",
  };

  it("V2: GET /event/202309/webhooks with shop_cipher (params sorted)", () => {
    expect(signApiRequest({ appSecret: "e59af819cc", path: "/event/202309/webhooks", query: v2query })).toBe(
      "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37",
    );
  });

  it("V3: PUT with a JSON body signs the exact bytes", () => {
    const body = '{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}';
    expect(
      signApiRequest({ appSecret: "e59af819cc", path: "/event/202309/webhooks", query: v2query, body }),
    ).toBe("701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7");
    // Same JSON, other key order: other bytes, other signature (V4).
    const reordered = '{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}';
    expect(
      signApiRequest({
        appSecret: "e59af819cc",
        path: "/event/202309/webhooks",
        query: v2query,
        body: reordered,
      }),
    ).toBe("cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a");
  });

  const csQuery = {
    app_key: "29a39d",
    timestamp: "1623812664",
    shop_cipher: "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
  };

  it("S1: sign and access_token never take part", () => {
    expect(
      signApiRequest({
        appSecret: "e59af819cc",
        path: "/customer_service/202309/conversations",
        query: { ...csQuery, page_size: "20", access_token: "TTP_x", sign: "old" },
      }),
    ).toBe("253866d3af8c458f160c58c4e357e3f3e19af1270cf42e09484380fc6ed0825e");
  });

  it("S3 and S5: send-message body bytes; multipart bodies are not signed", () => {
    expect(
      signApiRequest({
        appSecret: "e59af819cc",
        path: "/customer_service/202309/conversations/7494560109732334261/messages",
        query: csQuery,
        body: '{"type":"TEXT","content":"{\\"content\\":\\"Halo kak, pesanan sudah dikirim\\"}"}',
      }),
    ).toBe("edb31e68652f66126cfc2d55caa65ba9a7a373ab8efa8273c98f202aa1b1a60c");
    expect(
      signApiRequest({
        appSecret: "e59af819cc",
        path: "/customer_service/202309/images/upload",
        query: csQuery,
        body: Buffer.from("--b\r\nbinary\r\n--b--"),
        multipart: true,
      }),
    ).toBe("eeb8b79d466cd828e14f9e9d5644c216e54f463790ce7df0bff34a5a5a91c3aa");
  });

  it("W1: webhook Authorization = HMAC(app_secret, app_key + raw body)", () => {
    const body =
      '{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507","timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178","order_status":"UNPAID","update_time":1718305585}}';
    expect(signWebhookBody("abcdef", "123", body)).toBe(
      "5dec0f11ec2f6783b8deee53c9ffbf8d024302f7c7e7fa55a35d17629031ac05",
    );
  });
});
