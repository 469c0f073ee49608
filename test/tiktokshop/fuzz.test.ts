/**
 * Fuzz (property) tests of the TikTok Shop parsers: JSON with big integers, the webhook parser, the message
 * readers, the rendering of message content, and the reply splitter. Bounded run count by default; long mode by
 * hand with TOKOKOMMO_FUZZ_RUNS=5000 (see test/helpers/fuzz.ts).
 *
 * Properties: the webhook parser throws nothing but TK_ERR_WEBHOOK_MALFORMED; the readers and the rendering never
 * throw; every call returns within a bounded time; no output string holds a lone surrogate unless the input did;
 * text that JSON.parse refuses is refused too; the splitter's parts are each within the limit and re-join to the
 * original text (only whitespace at the breaks is dropped), and a part is never a stray fragment.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonKeepingBigInts } from "../../src/sources/tiktokshop/json.js";
import { readConversation, readMessage } from "../../src/sources/tiktokshop/model.js";
import { DEFAULT_LINKS, renderContent } from "../../src/sources/tiktokshop/render.js";
import { splitText } from "../../src/sources/tiktokshop/split.js";
import { parseWebhookBody } from "../../src/sources/tiktokshop/webhook.js";
import {
  anyField,
  assertTakesAnyBytes,
  CALL_BUDGET_MS,
  callAllowingTkError,
  damagedJson,
  expectNoNewLoneSurrogate,
  expectRefusedLikeJsonParse,
  expectSameValidityAsJsonParse,
  fuzzParameters,
  hasLoneSurrogate,
  hostileText,
  jsonOrAnyText,
  someOf,
  splitsSurrogatePair,
  toJsonText,
  WEBHOOK_MALFORMED,
} from "../helpers/fuzz.js";

const runs = fuzzParameters();
const TYPES = [
  "TEXT",
  "IMAGE",
  "PRODUCT_CARD",
  "ORDER_CARD",
  "RETURN_REFUND_CARD",
  "LOGISTICS_CARD",
  "COUPON_CARD",
  "EMOTICONS",
  "VIDEO",
  "BUYER_ENTER_FROM_PRODUCT",
  "BUYER_ENTER_FROM_ORDER",
  "BUYER_ENTER_FROM_TRANSFER",
  "ALLOCATED_SERVICE",
  "NOTIFICATION",
  "OTHER",
  "NEW_TYPE",
];

/** A message `content` document: the fields every type reads, with any values. */
const contentDoc = someOf([
  "content",
  "url",
  "width",
  "height",
  "product_id",
  "title",
  "name",
  "price",
  "image_url",
  "order_id",
  "sku_id",
  "package_id",
  "status",
  "coupon_id",
  "emoticon_id",
]);
const contentText = fc.oneof(damagedJson(contentDoc), hostileText);
const participant = someOf(["im_user_id", "user_id", "nickname", "avatar", "buyer_platform"], {
  role: fc.oneof(anyField, fc.constantFrom("BUYER", "SHOP", "CUSTOMER_SERVICE", "ROBOT", "SYSTEM")),
});
const message = someOf(["id", "message_id", "create_time", "is_visible", "index"], {
  type: fc.oneof(anyField, fc.constantFrom(...TYPES)),
  content: fc.oneof(anyField, contentText, contentDoc),
  sender: fc.oneof(anyField, participant),
});
const webhook = someOf(["tts_notification_id", "shop_id", "timestamp"], {
  type: fc.oneof(anyField, fc.constantFrom(6, 7, 13, 14, 15)),
  data: fc.oneof(
    anyField,
    someOf(["conversation_id"], { message_id: anyField }).chain((d) => message.map((m) => ({ ...m, ...d }))),
  ),
});

describe("TikTok Shop JSON with big integers (fuzz)", () => {
  it("refuses whatever JSON.parse refuses, and throws nothing but SyntaxError", () => {
    fc.assert(
      fc.property(jsonOrAnyText(webhook), (text) =>
        expectSameValidityAsJsonParse(parseJsonKeepingBigInts, text),
      ),
      runs,
    );
  });

  it("regression: integer-looking keys and leading zeros stay invalid JSON", () => {
    expectRefusedLikeJsonParse(parseJsonKeepingBigInts, [
      "01234567890123456789",
      '{"a":-0123456789012345678}',
      "{1234567890123456789 :1}",
    ]);
    expect(parseJsonKeepingBigInts('{"id":7262992004278206762,"n":[-1234567890123456]}')).toEqual({
      id: "7262992004278206762",
      n: ["-1234567890123456"],
    });
  });
});

describe("TikTok Shop webhook and message readers (fuzz)", () => {
  it("the webhook parser throws nothing but TK_ERR_WEBHOOK_MALFORMED", () => {
    fc.assert(
      fc.property(jsonOrAnyText(webhook), (text) => {
        const hints = callAllowingTkError(
          () => parseWebhookBody(Buffer.from(text, "utf8")),
          WEBHOOK_MALFORMED,
        );
        if (hints && !/\\u[dD][89a-fA-F]/.test(text)) expectNoNewLoneSurrogate([], hints);
      }),
      runs,
    );
  });

  it("the webhook parser takes any bytes, invalid UTF-8 included", () => {
    assertTakesAnyBytes(parseWebhookBody, WEBHOOK_MALFORMED);
  });

  it("message and conversation readers never throw", () => {
    fc.assert(
      fc.property(
        message,
        fc.oneof(anyField, someOf(["id", "unread_count", "participant_count"])),
        (m, c) => {
          const raw = parseJsonKeepingBigInts(toJsonText(m));
          callAllowingTkError(() => readMessage(raw), []);
          callAllowingTkError(() => readMessage(raw, "message_id"), []);
          callAllowingTkError(
            () => readConversation({ ...(typeof c === "object" ? c : {}), latest_message: raw }),
            [],
          );
        },
      ),
      runs,
    );
  });
});

describe("TikTok Shop content rendering (fuzz)", () => {
  it("never throws, for any type and any content, and adds no lone surrogate", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...TYPES), fc.string()), contentText, (type, raw) => {
        const content = callAllowingTkError(() => renderContent(type, raw), []);
        expect(content).toBeDefined();
        if (!hasLoneSurrogate(raw) && !/\\u[dD][89a-fA-F]/.test(raw)) expectNoNewLoneSurrogate([], content);
      }),
      runs,
    );
  });

  it("regression: ids holding a lone surrogate still render (encodeURIComponent would throw URIError)", () => {
    const raw = JSON.stringify({ product_id: "12\ud800", order_id: "9\udc00x" });
    for (const type of ["PRODUCT_CARD", "ORDER_CARD", "BUYER_ENTER_FROM_PRODUCT", "BUYER_ENTER_FROM_ORDER"]) {
      const content = renderContent(type, raw);
      expect(JSON.stringify(content)).toContain("%EF%BF%BD");
    }
    expect(DEFAULT_LINKS.product("1\ud800")).toBe(
      "https://seller-id.tokopedia.com/product/edit?product_id=1%EF%BF%BD",
    );
  });
});

/**
 * Checks the splitter's contract: each part non-empty and within `max`; the parts appear in the text in order with
 * only whitespace before, between and after them; no cut inside a surrogate pair.
 */
function expectRejoins(text: string, parts: string[], max: number): void {
  let at = 0;
  for (const p of parts) {
    expect(p.length).toBeGreaterThan(0);
    expect(p.length).toBeLessThanOrEqual(max);
    const found = text.indexOf(p, at);
    expect(found, `part ${JSON.stringify(p)} not found in order`).toBeGreaterThanOrEqual(at);
    expect(text.slice(at, found).trim(), "only whitespace is dropped between parts").toBe("");
    expect(splitsSurrogatePair(text, found)).toBe(false);
    expect(splitsSurrogatePair(text, found + p.length)).toBe(false);
    at = found + p.length;
  }
  expect(text.slice(at).trim()).toBe("");
}

const splitterText = fc
  .array(
    fc.oneof(
      fc.string({
        unit: fc.constantFrom("a", "b", " ", "\n", "\t", ".", "!", "…", "\r", "\u3000", "é"),
        maxLength: 30,
      }),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constantFrom(
        "😀",
        "👍🏽",
        "👨‍👩‍👧",
        "e\u0301",
        "\u200d",
        "\ufe0f",
        "\n\n",
        " . ",
        "\u0301\u0301\u0301",
      ),
      hostileText,
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

describe("TikTok Shop reply splitter (fuzz)", () => {
  it("parts are within the limit and re-join to the text, for any text and limit", () => {
    fc.assert(
      fc.property(splitterText, fc.integer({ min: 2, max: 80 }), (text, max) => {
        const t0 = performance.now();
        const parts = splitText(text, max);
        expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
        expectRejoins(text, parts, max);
        if (!hasLoneSurrogate(text)) for (const p of parts) expect(hasLoneSurrogate(p)).toBe(false);
      }),
      runs,
    );
  });

  it("regression: text without a safe break is not shredded into one-character parts", () => {
    for (const text of [`a${"\u0301".repeat(5000)}`, "\u200d".repeat(5000), `x${"\ufe0f".repeat(4999)}`]) {
      const parts = splitText(text, 2000);
      expectRejoins(text, parts, 2000);
      expect(parts.length, JSON.stringify(text.slice(0, 3))).toBe(3);
    }
  });

  it("splits 1 MB of hostile text quickly", () => {
    const text = "a\u0301 😀\u200d".repeat(200_000);
    const t0 = performance.now();
    const parts = splitText(text, 2000);
    expect(performance.now() - t0).toBeLessThan(2000);
    expectRejoins(text.slice(0, 50_000), splitText(text.slice(0, 50_000), 2000), 2000);
    expect(parts.length).toBeLessThan(text.length / 1000);
  });
});
