/**
 * Fuzz (property) tests of the Kommo reply webhook parser. Bounded run count by default; long mode by hand with
 * TOKOKOMMO_FUZZ_RUNS=5000 (see test/helpers/fuzz.ts).
 *
 * Properties: it throws nothing but TK_ERR_WEBHOOK_MALFORMED, within a bounded time, on any bytes or damaged
 * JSON; a parsed reply has non-empty ids that are well-formed text (they go into amojo URL paths, where a lone
 * surrogate makes encodeURIComponent throw) and finite times; no output string holds a lone surrogate unless the
 * body spelled one as a JSON escape.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AMOJO_MESSAGE_TYPES } from "../../src/kommo/chats-types.js";
import { parseKommoWebhook } from "../../src/kommo/webhook.js";
import {
  anyField,
  assertTakesAnyBytes,
  callAllowingTkError,
  codeUnit,
  damagedJson,
  fuzzParameters,
  hasLoneSurrogate,
  hostileText,
  someOf,
  stringsIn,
  WEBHOOK_MALFORMED,
} from "../helpers/fuzz.js";

const runs = fuzzParameters();

const id = fc.oneof(fc.uuid(), anyField, fc.constantFrom("\ud800", "a\udc00b", ""));
const number = fc.oneof(anyField, fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom(1e308, -1e308));
const body = someOf([], {
  account_id: id,
  time: number,
  message: fc.oneof(
    anyField,
    someOf([], {
      timestamp: number,
      msec_timestamp: number,
      conversation: someOf([], { id, client_id: id }),
      sender: someOf([], { id, name: hostileText }),
      receiver: someOf(["name", "phone", "email"], { id, client_id: id }),
      source: someOf(["external_id"]),
      message: someOf(["media", "thumbnail", "file_name", "file_size", "media_group_id"], {
        id,
        type: fc.oneof(anyField, fc.constantFrom(...AMOJO_MESSAGE_TYPES)),
        text: fc.oneof(hostileText, anyField),
        location: someOf(["lon", "lat"]),
        contact: someOf(["name", "phone"]),
      }),
    }),
  ),
  action: fc.oneof(
    anyField,
    someOf([], {
      typing: someOf([], { conversation: someOf([], { id, client_id: id }) }),
      reaction: anyField,
    }),
  ),
});

const mostlyUuid = fc.oneof({ weight: 6, arbitrary: fc.uuid() }, { weight: 1, arbitrary: id });
const mostlyInt = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 45 }) },
  { weight: 1, arbitrary: number },
);
/** A reply webhook with every field present, the way Kommo sends it, with an odd value here and there. */
const replyBody = fc.record({
  account_id: mostlyUuid,
  time: mostlyInt,
  message: fc.record({
    timestamp: mostlyInt,
    msec_timestamp: mostlyInt,
    conversation: fc.record({ id: mostlyUuid, client_id: mostlyUuid }),
    sender: fc.record({ id: mostlyUuid, name: hostileText }),
    receiver: fc.record({ id: mostlyUuid, client_id: mostlyUuid, name: hostileText }),
    message: fc.record({
      id: mostlyUuid,
      type: fc.constantFrom("text", "picture", "file", "sticker", "location", "contact"),
      text: hostileText,
      media: fc.oneof(fc.constant("https://amojo.example/a.jpg"), anyField),
    }),
  }),
});

/** Damaged JSON written with a literal 1e999 in places (JSON.parse reads it as Infinity). */
const bodyText = fc.oneof(
  damagedJson(body),
  damagedJson(replyBody),
  damagedJson(replyBody).map((t) => t.replace(/"time":-?\d+(\.\d+)?(e[+-]?\d+)?/, '"time":1e999')),
  fc.string({ unit: codeUnit }),
);

describe("Kommo reply webhook parser (fuzz)", () => {
  it("throws nothing but TK_ERR_WEBHOOK_MALFORMED; replies have well-formed ids and finite times", () => {
    fc.assert(
      fc.property(bodyText, (text) => {
        const hook = callAllowingTkError(() => parseKommoWebhook(text), WEBHOOK_MALFORMED);
        if (!hook) return;
        if (hook.kind === "message") {
          for (const v of [
            hook.accountId,
            hook.amojoChatId,
            hook.amojoMessageId,
            hook.sender.amojoId,
            hook.receiver.amojoId,
          ]) {
            expect(v.length).toBeGreaterThan(0);
            expect(hasLoneSurrogate(v), JSON.stringify(v)).toBe(false);
          }
          expect(Number.isFinite(hook.time)).toBe(true);
          expect(Number.isFinite(hook.timestampMs)).toBe(true);
        }
        if (!hasLoneSurrogate(text) && !/\\u[dD][89a-fA-F]/.test(text))
          for (const s of stringsIn(hook)) expect(hasLoneSurrogate(s)).toBe(false);
      }),
      runs,
    );
  });

  it("takes any bytes, invalid UTF-8 included", () => {
    assertTakesAnyBytes(parseKommoWebhook, WEBHOOK_MALFORMED, 300);
  });

  it("regression: an id with a lone surrogate or a time of 1e999 is malformed or ignored, not passed on", () => {
    const good = {
      account_id: "acc",
      time: 1639572261,
      message: {
        receiver: { id: "r" },
        sender: { id: "s" },
        conversation: { id: "c" },
        timestamp: 1639572261,
        message: { id: "m", type: "text", text: "hi" },
      },
    };
    const text = JSON.stringify(good);
    for (const bad of [
      text.replace('"id":"m"', '"id":"m\\ud800"'),
      text.replace('"id":"c"', '"id":"\\udc00"'),
    ]) {
      expect(() => parseKommoWebhook(bad)).toThrow(
        expect.objectContaining({ code: "TK_ERR_WEBHOOK_MALFORMED" }),
      );
    }
    const inf = parseKommoWebhook(
      text
        .replace('"time":1639572261', '"time":1e999')
        .replace('"timestamp":1639572261', '"timestamp":1e999'),
    );
    if (inf.kind !== "message") throw new Error("expected a message");
    expect(Number.isFinite(inf.time)).toBe(true);
    expect(Number.isFinite(inf.timestampMs)).toBe(true);
    // The text itself is passed on as it is, lone surrogates included.
    const lone = parseKommoWebhook(text.replace('"text":"hi"', '"text":"h\\ud800i"'));
    if (lone.kind !== "message") throw new Error("expected a message");
    expect(lone.message.text).toBe("h\ud800i");
  });
});
