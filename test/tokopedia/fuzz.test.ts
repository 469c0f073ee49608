/**
 * Fuzz (property) tests of the Tokopedia parsers: JSON with int64 ids, envelopes, the data parsers, the chat
 * webhook, the HTML-to-text step and the rendering. Bounded run count by default; long mode by hand with
 * TOKOKOMMO_FUZZ_RUNS=5000 (see test/helpers/fuzz.ts).
 *
 * Properties: nothing throws except the module's own TkError (TK_ERR_TOKOPEDIA_BAD_RESPONSE from the data parsers,
 * TK_ERR_WEBHOOK_MALFORMED from the webhook parser; the JSON reader only SyntaxError, like JSON.parse), every call
 * returns within a bounded time, no output string holds a lone surrogate unless the input already did, and text
 * that JSON.parse refuses is refused too.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readEnvelope } from "../../src/sources/tokopedia/envelope.js";
import { chatHtmlToText, truncatedMarker } from "../../src/sources/tokopedia/html.js";
import { parseJsonKeepingIds } from "../../src/sources/tokopedia/json.js";
import {
  listOf,
  parseAttachment,
  parseContact,
  parseReply,
  parseRoom,
  parseSentReply,
  parseShop,
  parseWebhookConfig,
  parseWhitelist,
} from "../../src/sources/tokopedia/parse.js";
import { renderNotification, renderReply } from "../../src/sources/tokopedia/render.js";
import { parseChatNotification } from "../../src/sources/tokopedia/webhook.js";
import {
  anyField,
  assertTakesAnyBytes,
  CALL_BUDGET_MS,
  callAllowingTkError,
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
const BAD_RESPONSE = ["TK_ERR_TOKOPEDIA_BAD_RESPONSE"];

const attachment = someOf(["id", "type"], {
  type: fc.oneof(anyField, fc.constantFrom(0, 2, 3, 7, 21, "2", 99)),
  attributes: fc.oneof(
    anyField,
    someOf(
      ["image_url", "thumbnail", "name", "price", "url", "code", "total_amount", "sticker_id", "title"],
      {
        product_profile: someOf(["name", "price", "url", "image_url"]),
        attributes: someOf(["code", "id", "total_amount", "status", "href_url", "title"]),
      },
    ),
  ),
  fallback_attachment: fc.oneof(anyField, someOf(["message", "html"], { message: hostileText })),
});
const reply = someOf(
  [
    "msg_id",
    "reply_id",
    "sender_id",
    "role",
    "sender_name",
    "reply_time",
    "is_opposite",
    "read_status",
    "status",
  ],
  {
    msg: fc.oneof(hostileText, anyField),
    attachment_id: anyField,
    attachment: fc.oneof(anyField, attachment),
  },
);
const room = someOf(["msg_id", "message_key"], {
  attributes: fc.oneof(
    anyField,
    someOf(["last_reply_msg", "last_reply_time", "read_status", "unreads", "pin_status"], {
      contact: fc.oneof(
        anyField,
        someOf(["id", "role"], { attributes: someOf(["Name", "name", "tag", "thumbnail"]) }),
      ),
    }),
  ),
});
const notification = someOf(["msg_id", "shop_id", "buyer_id", "user_id", "full_name", "thumbnail"], {
  message: fc.oneof(hostileText, anyField),
  payload: fc.oneof(
    anyField,
    someOf(["attachment_type"], {
      attachment_type: fc.oneof(anyField, fc.constantFrom(0, 2, 3, 7, 21)),
      image: someOf(["image_url"]),
      product: someOf(["product_id", "product_url", "name", "price", "image_url"]),
      invoice: someOf(["code", "total_amount", "total", "status", "href_url", "url", "title"]),
      sticker: someOf(["image_url"]),
    }),
  ),
});

/** Parses JSON text the way the client does (ids kept); the fuzz values always serialize to valid JSON. */
function parsed(v: unknown): unknown {
  return parseJsonKeepingIds(toJsonText(v));
}

describe("Tokopedia JSON with int64 ids (fuzz)", () => {
  it("reads valid JSON like JSON.parse, ids beyond 2^53 kept exact as strings", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.jsonValue(), (id, other) => {
        const out = parseJsonKeepingIds(toJsonText({ id: { __raw: id.toString() }, other })) as Record<
          string,
          unknown
        >;
        const n = Number(id);
        expect(out.id).toEqual(Number.isSafeInteger(n) ? n : id.toString());
        // Integers a double cannot hold exactly, written as digits, come back as those digits.
        const unsafeToString = (_k: string, v: unknown) =>
          typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21
            ? String(v)
            : v;
        expect(out.other).toEqual(JSON.parse(JSON.stringify(other), unsafeToString));
      }),
      runs,
    );
  });

  it("refuses whatever JSON.parse refuses, and throws nothing but SyntaxError", () => {
    fc.assert(
      fc.property(jsonOrAnyText(fc.oneof(reply, room, notification)), (text) =>
        expectSameValidityAsJsonParse(parseJsonKeepingIds, text),
      ),
      runs,
    );
  });

  it("regression: integer-looking keys and leading zeros stay invalid JSON", () => {
    expectRefusedLikeJsonParse(parseJsonKeepingIds, [
      "01234567890123456789",
      '{"a":-01234567890123456789}',
      "{12345678901234567890:1}",
      '{"a":1, 12345678901234567890 :2}',
    ]);
    expect(parseJsonKeepingIds('{"a":[12345678901234567890, -12345678901234567891]}')).toEqual({
      a: ["12345678901234567890", "-12345678901234567891"],
    });
  });
});

describe("Tokopedia envelopes and data parsers (fuzz)", () => {
  it("readEnvelope never throws, and ok only with a 2xx status", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyField,
          someOf(["data", "status", "error_message"], {
            header: someOf(["process_time", "messages", "reason", "error_code"]),
          }),
        ),
        fc.integer({ min: 0, max: 999 }),
        (body, status) => {
          const e = callAllowingTkError(() => readEnvelope(parsed(body), status), []);
          expect(e).toBeDefined();
          if (e!.ok) expect(status >= 200 && status < 300).toBe(true);
        },
      ),
      runs,
    );
  });

  it("data parsers throw only TK_ERR_TOKOPEDIA_BAD_RESPONSE, and rendering never throws", () => {
    fc.assert(
      fc.property(
        reply,
        room,
        fc.oneof(anyField, fc.array(fc.oneof(reply, anyField), { maxLength: 4 })),
        (r, m, list) => {
          const raw = parsed(r) as Record<string, unknown>;
          const rep = callAllowingTkError(() => parseReply(raw), BAD_RESPONSE);
          if (rep) {
            const content = callAllowingTkError(() => renderReply(rep), []);
            expectNoNewLoneSurrogate(raw, content);
          }
          callAllowingTkError(() => parseRoom(parsed(m) as Record<string, unknown>), BAD_RESPONSE);
          callAllowingTkError(() => listOf(parsed(list), "list replies").map(parseReply), BAD_RESPONSE);
          callAllowingTkError(() => parseAttachment(raw.attachment), []);
          callAllowingTkError(() => parseContact(parsed(m)), []);
          callAllowingTkError(() => parseSentReply(raw), BAD_RESPONSE);
          callAllowingTkError(() => parseShop(parsed(m) as Record<string, unknown>), BAD_RESPONSE);
          callAllowingTkError(() => parseWhitelist(parsed(list)), []);
          callAllowingTkError(() => parseWebhookConfig(raw), []);
        },
      ),
      runs,
    );
  });
});

describe("Tokopedia chat webhook (fuzz)", () => {
  it("throws nothing but TK_ERR_WEBHOOK_MALFORMED, and its fallback content renders", () => {
    fc.assert(
      fc.property(jsonOrAnyText(notification), (text) => {
        const n = callAllowingTkError(
          () => parseChatNotification(Buffer.from(text, "utf8")),
          WEBHOOK_MALFORMED,
        );
        if (n) {
          const content = callAllowingTkError(() => renderNotification(n), []);
          // The body is decoded from UTF-8, which cannot carry a lone surrogate except as a JSON escape.
          if (!/\\u[dD][89a-fA-F]/.test(text)) expectNoNewLoneSurrogate(n, content);
        }
      }),
      runs,
    );
  });

  it("takes any bytes, invalid UTF-8 included", () => {
    assertTakesAnyBytes(parseChatNotification, WEBHOOK_MALFORMED);
  });
});

/** The rendering before the linear scanner (regular expressions), as the reference for well-formed markup. */
function oldChatHtmlToText(msg: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return msg
    .replace(/<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>[\s\S]*?<\/a\s*>/gi, (_m, _q, href: string) => href)
    .replace(/<a\b[^>]*>([\s\S]*?)<\/a\s*>/gi, (_m, inner: string) => inner)
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === "#") {
        const code =
          name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return String.fromCodePoint(code);
      }
      return named[name.toLowerCase()] ?? whole;
    });
}

/** Chat markup as Tokopedia writes it: text, links, line breaks and the common entities. */
const wellFormedMarkup = fc
  .array(
    fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "b", " ", "1", ".", "é", "😀", "\n", "/", ":"), maxLength: 10 }),
      fc
        .webUrl()
        .map(
          (u) =>
            `<a rel="nofollow" target="_blank" href="${u.replace(/&/g, "&amp;")}">${u.replace(/&/g, "&amp;")}</a>`,
        ),
      fc.constantFrom(
        "<a href='https://t.example/x'>x</a>",
        '<a name="n">inner</a>',
        "<br>",
        "<br/>",
        "<BR />",
      ),
      fc.constantFrom("&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x41;", "&#8230;"),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe("Tokopedia chat HTML to text (fuzz)", () => {
  it("renders well-formed chat markup exactly as the regular expressions did", () => {
    fc.assert(
      fc.property(wellFormedMarkup, (html) => {
        expect(chatHtmlToText(html)).toBe(oldChatHtmlToText(html));
      }),
      runs,
    );
  });

  it("never throws on hostile text, stays within its time, adds no lone surrogate, and marks a cut", () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 400 }), (text, cap) => {
        const t0 = performance.now();
        const out = chatHtmlToText(text);
        const capped = chatHtmlToText(text, cap);
        expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
        if (!hasLoneSurrogate(text)) {
          expect(hasLoneSurrogate(out)).toBe(false);
          expect(hasLoneSurrogate(capped)).toBe(false);
        }
        if (text.length > cap) {
          const omitted = text.length - (splitsSurrogatePair(text, cap) ? cap - 1 : cap);
          expect(capped.endsWith(truncatedMarker(omitted))).toBe(true);
        } else expect(capped).toBe(out);
      }),
      runs,
    );
  });
});
