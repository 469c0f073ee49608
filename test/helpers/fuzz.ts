/**
 * Shared pieces of the parser fuzz tests (test/**\/fuzz.test.ts), which use fast-check properties.
 *
 * Run count: bounded by default so CI stays fast (FUZZ_DEFAULT_RUNS per property). For a long run by hand set
 * TOKOKOMMO_FUZZ_RUNS, e.g. `TOKOKOMMO_FUZZ_RUNS=5000 npx vitest run test/tokopedia/fuzz.test.ts
 * test/tiktokshop/fuzz.test.ts test/kommo/webhook-fuzz.test.ts`. A failing property prints its seed and the
 * shrunk counterexample (replay with TOKOKOMMO_FUZZ_SEED=<seed>); add that input to the file's regression cases
 * when fixing the bug.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { isTkError } from "../../src/errors/index.js";

export const FUZZ_DEFAULT_RUNS = 300;

/** Runs per property: TOKOKOMMO_FUZZ_RUNS when set, otherwise `ciDefault`. */
export function fuzzRuns(ciDefault = FUZZ_DEFAULT_RUNS): number {
  const env = Number(process.env.TOKOKOMMO_FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : ciDefault;
}

/**
 * fast-check parameters for every fuzz test: the run count above, and TOKOKOMMO_FUZZ_SEED (printed by a failing
 * run) to replay a failure.
 */
export function fuzzParameters(ciDefault = FUZZ_DEFAULT_RUNS): { numRuns: number; seed?: number } {
  const seed = Number(process.env.TOKOKOMMO_FUZZ_SEED);
  return {
    numRuns: fuzzRuns(ciDefault),
    ...(process.env.TOKOKOMMO_FUZZ_SEED !== undefined && Number.isInteger(seed) ? { seed } : {}),
  };
}

/** A single call must return within this (ms); far above the real cost, low enough to catch a blow-up. */
export const CALL_BUDGET_MS = 500;

/** The codes a webhook parser may throw on bad input: only "malformed". */
export const WEBHOOK_MALFORMED = ["TK_ERR_WEBHOOK_MALFORMED"];

/** True when `s` holds a UTF-16 surrogate that is not half of a pair. */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

/** Every string inside a value (deep), for checks on parser output. */
export function stringsIn(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsIn(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) stringsIn(x, out);
  return out;
}

/**
 * Calls `f`, which may only throw a TkError (with one of `codes` when given), within CALL_BUDGET_MS. Returns its
 * result, or undefined when it threw the allowed error.
 */
export function callAllowingTkError<T>(f: () => T, codes?: string[]): T | undefined {
  const t0 = performance.now();
  try {
    return f();
  } catch (err) {
    if (!isTkError(err)) throw new Error(`threw a non-TkError: ${String(err)}`, { cause: err });
    if (codes && !codes.includes(err.code))
      throw new Error(`threw ${err.code}, expected one of ${codes.join(", ")}`);
    return undefined;
  } finally {
    expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
  }
}

/**
 * A JSON parser that keeps big ids exact must accept exactly the texts JSON.parse accepts, and refuse the others
 * with a SyntaxError.
 */
export function expectSameValidityAsJsonParse(parse: (text: string) => unknown, text: string): void {
  let plain = true;
  try {
    JSON.parse(text);
  } catch {
    plain = false;
  }
  let kept = true;
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxError);
    kept = false;
  }
  expect(kept).toBe(plain);
}

/** Each of `texts` is refused with a SyntaxError by JSON.parse and by `parse` alike. */
export function expectRefusedLikeJsonParse(parse: (text: string) => unknown, texts: string[]): void {
  for (const text of texts) {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parse(text), text).toThrow(SyntaxError);
  }
}

/** True when cutting `s` at index `i` would split a surrogate pair. */
export function splitsSurrogatePair(s: string, i: number): boolean {
  const a = s.charCodeAt(i - 1);
  const b = s.charCodeAt(i);
  return a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff;
}

/** Any UTF-16 code unit, lone surrogates included. */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Text an attacker could send: any code units, mixed with markup and entity fragments and awkward characters. */
export const hostileText = fc
  .array(
    fc.oneof(
      fc.string({ unit: codeUnit, maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.constantFrom(
        "<a href='x'>",
        '<a rel="nofollow" target="_blank" href="https://t.example/p?a=1&amp;b=2">',
        "</a>",
        "</A >",
        "<a>",
        "<a ",
        "<br>",
        "<br/>",
        "<BR />",
        "<",
        ">",
        "'",
        '"',
        "=",
        "href",
        "&",
        "&amp;",
        "&hellip;",
        "&#xD800;",
        "&#55296;",
        "&#x1F600;",
        "&#0;",
        "&#",
        ";",
        "\u202e",
        "\u200b",
        "\u200d",
        "\u0000",
        "\ud83d",
        "\ude00",
        "😀",
        "e\u0301",
        " ",
        "\n",
        "\r\n",
        "\t",
        "…",
        ".",
      ),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

/** A JSON text, sometimes damaged by a few random edits (to reach the parsers' error paths). */
export function damagedJson(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat(),
    del: fc.nat({ max: 3 }),
    ins: fc.string({ unit: codeUnit, maxLength: 3 }),
  });
  return fc
    .tuple(
      value.map(toJsonText),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(edit, { maxLength: 3 }) },
      ),
    )
    .map(([text, edits]) => {
      let s = text;
      for (const e of edits) {
        const at = s.length === 0 ? 0 : e.at % (s.length + 1);
        s = s.slice(0, at) + e.ins + s.slice(at + e.del);
      }
      return s;
    });
}

/** A JSON value of any type, with the number shapes platforms send (ids above 2^53, floats, numeric strings). */
export const anyField: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => ({ __raw: b.toString() })),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.stringMatching(/^-?\d{1,22}$/),
  fc.constantFrom("", "0", "1", "true", "false", " 42 ", "1e3", "NaN"),
  hostileText,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/**
 * JSON.stringify that writes `{ __raw: "digits" }` as a bare number literal (so ids beyond 2^53 reach the parser
 * as numbers, the way the platforms send them).
 */
export function toJsonText(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x) =>
      x && typeof x === "object" && "__raw" in x ? `\u0000RAW${(x as { __raw: string }).__raw}\u0000` : x,
    ) ?? "null"
  ).replace(/"\\u0000RAW(-?\d+)\\u0000"/g, "$1");
}

/** An object with some of `keys` (any of them may be missing), each holding any kind of value; `extra` overrides. */
export function someOf(keys: string[], extra: Record<string, fc.Arbitrary<unknown>> = {}) {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) model[k] = anyField;
  return fc.record({ ...model, ...extra }, { requiredKeys: [] });
}

/** A parser's input text: a JSON text of `value` (sometimes damaged), or any string at all. */
export function jsonOrAnyText(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(damagedJson(value), fc.string({ unit: codeUnit }));
}

/** No string in `output` holds a lone surrogate, unless one in `input` already did. */
export function expectNoNewLoneSurrogate(input: unknown, output: unknown): void {
  if (stringsIn(input).some(hasLoneSurrogate)) return;
  for (const s of stringsIn(output)) expect(hasLoneSurrogate(s), JSON.stringify(s)).toBe(false);
}

/** The property that a body parser takes any bytes (invalid UTF-8 included), throwing only a TkError of `codes`. */
export function assertTakesAnyBytes(
  parse: (bytes: Uint8Array) => unknown,
  codes: string[],
  maxLength = 200,
): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength }), (bytes) => {
      callAllowingTkError(() => parse(bytes), codes);
    }),
    fuzzParameters(),
  );
}
