/**
 * Pins how every TikTok Shop platform code maps to a TkError and how every message type renders, so that the
 * tables behind mapApiFailure and renderContent can be reshaped without changing behaviour. The expected values
 * were recorded from the switch-based implementations they replaced.
 */
import { describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { mapApiFailure, rateLimited, transient } from "../../src/sources/tiktokshop/errors.js";
import { renderContent } from "../../src/sources/tiktokshop/render.js";

const PLATFORM_CODES = [
  105002, 105005, 36009033, 106001, 101000, 45109001, 45109003, 45101006, 45102007, 45101003, 45101004,
  36009002, 36009003, 36009007, 36004004, 36009004, 12345, 0,
];

/** The parts of a TkError the engine and the operator see. */
function summary(err: unknown) {
  if (!isTkError(err)) throw new Error("not a TkError");
  return `${err.code} | ${err.message} | ${err.fix} | ${JSON.stringify(err.details)}`;
}

describe("mapApiFailure", () => {
  it("maps each platform code to its error, retry decision and delay", () => {
    const rows = PLATFORM_CODES.map((platformCode) =>
      summary(
        mapApiFailure({ platformCode, message: "Invalid access token.", httpStatus: 200, requestId: "r1" }),
      ),
    );
    expect(rows).toMatchInlineSnapshot(`
      [
        "TK_ERR_TIKTOKSHOP_TOKEN_EXPIRED | Tokopedia & Shop access token expired. | tokokommo refreshes it automatically; if this persists, re-authorize the seller with the consent link. | {"platformCode":105002,"httpStatus":200,"requestId":"r1","retryable":true,"retryAfterMs":0}",
        "TK_ERR_TIKTOKSHOP_SCOPE_MISSING | Tokopedia & Shop denied access: the app or the seller's authorization lacks the Customer Service scope. | Get the Customer Service API (seller.customer_service) approved for the app in Partner Center, then have the seller re-authorize. | {"platformCode":105005,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_IP_NOT_ALLOWED | Tokopedia & Shop refused the call: this server's IP is not in the app's IP allow list. | Add the server's public (egress) IP to the app's IP allow list in Partner Center. | {"platformCode":36009033,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_SIGNATURE_INVALID | Tokopedia & Shop rejected the request signature. | Check the app secret in the configuration; if it is right, report this as a bug. | {"platformCode":106001,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_SHOP_MISMATCH | Tokopedia & Shop says the access token does not belong to this shop (shop_cipher). | Re-run \`tokokommo shops add --source tiktokshop\` for this shop so its cipher and seller token are refreshed. | {"platformCode":101000,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER | Tokopedia & Shop does not allow the shop to message this buyer now (the buyer must have chatted in the last 30 days or ordered in the last 60 days). | Wait for the customer to write again; the shop cannot start or continue this chat until then. | {"platformCode":45109001,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_CANNOT_MESSAGE_BUYER | Tokopedia & Shop does not allow the shop to message this buyer now (the buyer must have chatted in the last 30 days or ordered in the last 60 days). | Wait for the customer to write again; the shop cannot start or continue this chat until then. | {"platformCode":45109003,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_SENSITIVE_WORDS | Tokopedia & Shop refused the message because it contains words its policy does not allow. | Rephrase the reply without the flagged words (links, contact details and prohibited terms are typical) and send it again. | {"platformCode":45101006,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_NO_PERMISSION | Tokopedia & Shop says the shop account has no permission for this conversation. | Make sure the seller authorized the owner account and that the chat is assigned to it in Seller Center. | {"platformCode":45102007,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_NOT_FOUND | Tokopedia & Shop could not find this conversation or message. | The chat may have been removed on the marketplace; nothing to do unless it keeps happening. | {"platformCode":45101003,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED | Tokopedia & Shop daily Customer Service quota is used up (10,000 calls per day). | Lower the polling frequency (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets. | {"platformCode":45101004,"httpStatus":200,"requestId":"r1","retryable":true,"retryAfterMs":3600000}",
        "TK_ERR_TIKTOKSHOP_RATE_LIMITED | Tokopedia & Shop rate limit reached (too many requests per second for this shop). | tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers. | {"platformCode":36009002,"httpStatus":200,"requestId":"r1","retryable":true,"retryAfterMs":1000}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"platformCode":36009003,"httpStatus":200,"requestId":"r1","retryable":true,"retryAfterMs":2000}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"platformCode":36009007,"httpStatus":200,"requestId":"r1","retryable":true,"retryAfterMs":2000}",
        "TK_ERR_TIKTOKSHOP_AUTH_CODE_INVALID | Tokopedia & Shop rejected the authorization code (it is single-use and valid for 30 minutes). | Open the seller consent link again and use the new code at once. | {"platformCode":36004004,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_TOKEN_INVALID | Tokopedia & Shop rejected the access token. | Re-authorize the seller with the consent link (\`tokokommo shops add --source tiktokshop --auth-code ...\`). | {"platformCode":36009004,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed with code 12345 (platform said: Invalid access token.). | Check the request id in the details with Partner Center support if it keeps failing. | {"platformCode":12345,"httpStatus":200,"requestId":"r1","retryable":false}",
        "TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed with code 0 (platform said: Invalid access token.). | Check the request id in the details with Partner Center support if it keeps failing. | {"platformCode":0,"httpStatus":200,"requestId":"r1","retryable":false}",
      ]
    `);
  });

  it("reads 36009004 as an invalid token only when the platform's message says token", () => {
    expect(mapApiFailure({ platformCode: 36009004, message: "Invalid ACCESS TOKEN" }).code).toBe(
      "TK_ERR_TIKTOKSHOP_TOKEN_INVALID",
    );
    expect(
      summary(mapApiFailure({ platformCode: 36009004, message: "Invalid params" })),
    ).toMatchInlineSnapshot(
      `"TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed with code 36009004 (platform said: Invalid params). | Check the request id in the details with Partner Center support if it keeps failing. | {"platformCode":36009004,"retryable":false}"`,
    );
    expect(summary(mapApiFailure({ platformCode: 36009004 }))).toMatchInlineSnapshot(
      `"TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed with code 36009004. | Check the request id in the details with Partner Center support if it keeps failing. | {"platformCode":36009004,"retryable":false}"`,
    );
  });

  it("takes Retry-After for rate, quota and transient errors, and maps bare HTTP statuses", () => {
    const rows = [
      mapApiFailure({ platformCode: 36009002, retryAfterMs: 3_000 }),
      mapApiFailure({ platformCode: 45101004, retryAfterMs: 7_000 }),
      mapApiFailure({ platformCode: 36009003, retryAfterMs: 5 }),
      mapApiFailure({ httpStatus: 429 }),
      mapApiFailure({ httpStatus: 503, path: "/customer_service/202309/conversations" }),
      mapApiFailure({}),
      mapApiFailure({ platformCode: 0, httpStatus: 404 }),
      mapApiFailure({ httpStatus: 400, message: "bad" }),
      rateLimited({ httpStatus: 429, retryAfterMs: 9 }),
      transient({}, new Error("socket hang up")),
    ].map(summary);
    expect(rows).toMatchInlineSnapshot(`
      [
        "TK_ERR_TIKTOKSHOP_RATE_LIMITED | Tokopedia & Shop rate limit reached (too many requests per second for this shop). | tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers. | {"platformCode":36009002,"retryable":true,"retryAfterMs":3000}",
        "TK_ERR_TIKTOKSHOP_QUOTA_EXCEEDED | Tokopedia & Shop daily Customer Service quota is used up (10,000 calls per day). | Lower the polling frequency (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets. | {"platformCode":45101004,"retryable":true,"retryAfterMs":7000}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"platformCode":36009003,"retryable":true,"retryAfterMs":5}",
        "TK_ERR_TIKTOKSHOP_RATE_LIMITED | Tokopedia & Shop rate limit reached (too many requests per second for this shop). | tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers. | {"httpStatus":429,"retryable":true,"retryAfterMs":1000}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"httpStatus":503,"path":"/customer_service/202309/conversations","retryable":true,"retryAfterMs":2000}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"retryable":true,"retryAfterMs":2000}",
        "TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed with code 0. | Check the request id in the details with Partner Center support if it keeps failing. | {"platformCode":0,"httpStatus":404,"retryable":false}",
        "TK_ERR_TIKTOKSHOP_API | Tokopedia & Shop API call failed (platform said: bad). | Check the request id in the details with Partner Center support if it keeps failing. | {"httpStatus":400,"retryable":false}",
        "TK_ERR_TIKTOKSHOP_RATE_LIMITED | Tokopedia & Shop rate limit reached (too many requests per second for this shop). | tokokommo backs off and retries; if it keeps happening, lower the number of concurrent workers. | {"httpStatus":429,"retryable":true,"retryAfterMs":9}",
        "TK_ERR_TIKTOKSHOP_TRANSIENT | Tokopedia & Shop is temporarily unavailable (timeout, dropped connection or internal error). | tokokommo retries with backoff; check the server's network if it persists. | {"retryable":true,"retryAfterMs":2000}",
      ]
    `);
    expect((transient({}, new Error("socket hang up")).cause as Error).message).toBe("socket hang up");
  });
});

describe("renderContent", () => {
  it("renders every message type, its fallbacks and odd content", () => {
    const cases: Array<[string, string]> = [
      ["TEXT", '{"content":"halo"}'],
      ["TEXT", "{}"],
      ["TEXT", "not json"],
      ["IMAGE", '{"url":"https://img/a.jpg","width":"304","height":290}'],
      ["IMAGE", "{}"],
      [
        "PRODUCT_CARD",
        '{"product_id":1729384756,"title":"Kaos","price":"Rp10.000","cover":"https://img/c.jpg"}',
      ],
      ["PRODUCT_CARD", '{"product_id":"17","product_name":"Topi","sale_price":"5"}'],
      ["PRODUCT_CARD", "{}"],
      ["ORDER_CARD", '{"order_id":"5808","order_status":"SHIPPED"}'],
      ["RETURN_REFUND_CARD", '{"order_id":"5808","sku_id":"45678","status":"OPEN"}'],
      ["RETURN_REFUND_CARD", '{"order_id":"5808"}'],
      ["LOGISTICS_CARD", '{"order_id":"5808","package_id":"99"}'],
      ["LOGISTICS_CARD", '{"order_id":"5808"}'],
      ["ORDER_CARD", "{}"],
      ["COUPON_CARD", '{"coupon_id":"7262"}'],
      ["COUPON_CARD", "{}"],
      ["EMOTICONS", '{"emoticon_id":12,"image_url":"https://img/e.png"}'],
      ["EMOTICONS", '{"content":"[smile]"}'],
      ["EMOTICONS", "{}"],
      ["VIDEO", '{"url":"https://v/x.mp4"}'],
      ["VIDEO", "{}"],
      ["BUYER_ENTER_FROM_PRODUCT", '{"product_id":"17"}'],
      ["BUYER_ENTER_FROM_PRODUCT", "{}"],
      ["BUYER_ENTER_FROM_ORDER", '{"order_id":"5808"}'],
      ["BUYER_ENTER_FROM_ORDER", "{}"],
      ["BUYER_ENTER_FROM_TRANSFER", '{"content":"Dialihkan"}'],
      ["BUYER_ENTER_FROM_TRANSFER", "{}"],
      ["ALLOCATED_SERVICE", "{}"],
      ["NOTIFICATION", '{"content":"Pesanan dibuat"}'],
      ["NOTIFICATION", "[]"],
      ["OTHER", '{"content":"Cek di Seller Center"}'],
      ["OTHER", "{}"],
      ["SYSTEM_RATING", '{"content":"rate us"}'],
      ["constructor", "{}"],
      ["__proto__", "{}"],
    ];
    const rows = cases.map(([type, raw]) => `${type} ${raw} -> ${JSON.stringify(renderContent(type, raw))}`);
    expect(rows).toMatchInlineSnapshot(`
      [
        "TEXT {"content":"halo"} -> {"kind":"text","text":"halo"}",
        "TEXT {} -> {"kind":"text","text":""}",
        "TEXT not json -> {"kind":"text","text":"not json"}",
        "IMAGE {"url":"https://img/a.jpg","width":"304","height":290} -> {"kind":"image","url":"https://img/a.jpg","width":304,"height":290}",
        "IMAGE {} -> {"kind":"unknown","text":"[Image — open the chat in Seller Center to see it]"}",
        "PRODUCT_CARD {"product_id":1729384756,"title":"Kaos","price":"Rp10.000","cover":"https://img/c.jpg"} -> {"kind":"product","name":"Kaos","price":"Rp10.000","url":"https://seller-id.tokopedia.com/product/edit?product_id=1729384756","imageUrl":"https://img/c.jpg"}",
        "PRODUCT_CARD {"product_id":"17","product_name":"Topi","sale_price":"5"} -> {"kind":"product","name":"Topi","price":"5","url":"https://seller-id.tokopedia.com/product/edit?product_id=17"}",
        "PRODUCT_CARD {} -> {"kind":"unknown","text":"[Product card — open the chat in Seller Center to see it]"}",
        "ORDER_CARD {"order_id":"5808","order_status":"SHIPPED"} -> {"kind":"order","code":"5808","status":"SHIPPED","url":"https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "RETURN_REFUND_CARD {"order_id":"5808","sku_id":"45678","status":"OPEN"} -> {"kind":"order","code":"5808","title":"Return/refund request (SKU 45678)","status":"OPEN","url":"https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "RETURN_REFUND_CARD {"order_id":"5808"} -> {"kind":"order","code":"5808","title":"Return/refund request","url":"https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "LOGISTICS_CARD {"order_id":"5808","package_id":"99"} -> {"kind":"order","code":"5808","title":"Shipping (package 99)","url":"https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "LOGISTICS_CARD {"order_id":"5808"} -> {"kind":"order","code":"5808","title":"Shipping","url":"https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "ORDER_CARD {} -> {"kind":"unknown","text":"[Order card — open the chat in Seller Center to see it]"}",
        "COUPON_CARD {"coupon_id":"7262"} -> {"kind":"context","text":"[Coupon 7262]"}",
        "COUPON_CARD {} -> {"kind":"context","text":"[Coupon]"}",
        "EMOTICONS {"emoticon_id":12,"image_url":"https://img/e.png"} -> {"kind":"sticker","name":"12","url":"https://img/e.png"}",
        "EMOTICONS {"content":"[smile]"} -> {"kind":"sticker","name":"[smile]"}",
        "EMOTICONS {} -> {"kind":"sticker"}",
        "VIDEO {"url":"https://v/x.mp4"} -> {"kind":"video","url":"https://v/x.mp4"}",
        "VIDEO {} -> {"kind":"video"}",
        "BUYER_ENTER_FROM_PRODUCT {"product_id":"17"} -> {"kind":"context","text":"Buyer opened the chat from product 17 https://seller-id.tokopedia.com/product/edit?product_id=17"}",
        "BUYER_ENTER_FROM_PRODUCT {} -> {"kind":"context","text":"Buyer opened the chat from product (unknown)"}",
        "BUYER_ENTER_FROM_ORDER {"order_id":"5808"} -> {"kind":"context","text":"Buyer opened the chat from order 5808 https://seller-id.tokopedia.com/order/detail?order_no=5808"}",
        "BUYER_ENTER_FROM_ORDER {} -> {"kind":"context","text":"Buyer opened the chat from order (unknown)"}",
        "BUYER_ENTER_FROM_TRANSFER {"content":"Dialihkan"} -> {"kind":"context","text":"Dialihkan"}",
        "BUYER_ENTER_FROM_TRANSFER {} -> {"kind":"context","text":"The chat was transferred to another agent"}",
        "ALLOCATED_SERVICE {} -> {"kind":"context","text":"An agent joined the chat"}",
        "NOTIFICATION {"content":"Pesanan dibuat"} -> {"kind":"context","text":"Pesanan dibuat"}",
        "NOTIFICATION [] -> {"kind":"context","text":"[Notification]"}",
        "OTHER {"content":"Cek di Seller Center"} -> {"kind":"unknown","text":"Cek di Seller Center"}",
        "OTHER {} -> {"kind":"unknown","text":"[Message — open the chat in Seller Center to see it]"}",
        "SYSTEM_RATING {"content":"rate us"} -> {"kind":"unknown","text":"[SYSTEM_RATING message — open the chat in Seller Center to see it]"}",
        "constructor {} -> {"kind":"unknown","text":"[constructor message — open the chat in Seller Center to see it]"}",
        "__proto__ {} -> {"kind":"unknown","text":"[__proto__ message — open the chat in Seller Center to see it]"}",
      ]
    `);
  });

  it("uses the configured links and the platform's unsupported-message tip", () => {
    const links = { product: (id: string) => `https://p/${id}`, order: () => undefined };
    const rows = [
      renderContent("PRODUCT_CARD", '{"product_id":"17"}', { links }),
      renderContent("ORDER_CARD", '{"order_id":"5808"}', { links }),
      renderContent("BUYER_ENTER_FROM_ORDER", '{"order_id":"5808"}', { links }),
      renderContent("OTHER", '{"content":"Cek"}', { unsupportedTips: "  Buka Seller Center.  " }),
      renderContent("IMAGE", "{}", { unsupportedTips: "Buka Seller Center." }),
      renderContent("OTHER", '{"content":"Cek"}', { unsupportedTips: "   " }),
    ].map((c) => JSON.stringify(c));
    expect(rows).toMatchInlineSnapshot(`
      [
        "{"kind":"product","name":"Product 17","url":"https://p/17"}",
        "{"kind":"order","code":"5808"}",
        "{"kind":"context","text":"Buyer opened the chat from order 5808"}",
        "{"kind":"unknown","text":"Buka Seller Center."}",
        "{"kind":"unknown","text":"Buka Seller Center."}",
        "{"kind":"unknown","text":"Cek"}",
      ]
    `);
  });
});
