/**
 * JSON parsing that keeps big integers exact. TikTok Shop ids are 19-digit numbers (beyond 2^53); they are
 * strings in the documented samples, but a number-typed id anywhere would silently lose digits through
 * JSON.parse. Integer literals longer than 15 digits are therefore turned into strings before parsing;
 * everything inside string literals is left untouched.
 */
const SAFE_DIGITS = 15;

export function parseJsonKeepingBigInts(text: string): unknown {
  return JSON.parse(quoteLongIntegers(text));
}

function quoteLongIntegers(text: string): string {
  let out = "";
  let i = 0;
  let copiedUpTo = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      // Skip a whole string literal, honouring escapes.
      i++;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) i += 2;
        else if (c === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      let j = i + 1;
      while (j < text.length && isNumberChar(text.charCodeAt(j))) j++;
      const literal = text.slice(i, j);
      // Only a well-formed literal (no leading zero) in value position: quoting must not turn text that
      // JSON.parse refuses (`0123…`, a bare number as an object key) into valid JSON.
      if (
        /^-?[1-9]\d*$/.test(literal) &&
        literal.replace("-", "").length > SAFE_DIGITS &&
        !followedByColon(text, j)
      ) {
        out += text.slice(copiedUpTo, i) + `"${literal}"`;
        copiedUpTo = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  return out + text.slice(copiedUpTo);
}

/** True when the next non-whitespace character at or after `i` is ':' (the literal was an object key). */
function followedByColon(text: string, i: number): boolean {
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    j++;
  }
  return text.charCodeAt(j) === 0x3a; /* : */
}

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** A JSON value as a plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads an id-like field that may arrive as a string or a number; undefined when absent. */
export function idField(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = obj?.[key];
  if (typeof v === "string" && v.length > 0) return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

export function strField(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === "string" ? v : undefined;
}

/** Reads a number that may arrive as a number or a numeric string (image width/height differ by source). */
export function numField(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = obj?.[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
