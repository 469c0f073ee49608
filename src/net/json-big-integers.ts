/**
 * JSON parsing that keeps big integer ids exact. Marketplace ids are 64-bit integers, and a double silently rounds
 * anything above 2^53; Node 20's JSON.parse gives no access to a number's source text. So before parsing, the
 * integer literals a caller names (by a predicate over the literal's text) are wrapped in quotes, and readers accept
 * an id as a number or a string. One linear scan; string literals are skipped whole, honouring escapes.
 */

/** Parses `text` as JSON, turning each integer literal for which `quote(literal)` holds into a string. */
export function parseJsonQuotingIntegers(text: string, quote: (literal: string) => boolean): unknown {
  return JSON.parse(quoteIntegers(text, quote));
}

/** Quotes integer literals outside strings for which `quote` holds. Other text is left untouched. */
export function quoteIntegers(text: string, quote: (literal: string) => boolean): string {
  let out = "";
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = afterString(text, i + 1);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const literal = text.slice(start, i);
      // Only a well-formed integer (no leading zero) in value position: quoting must not turn text that
      // JSON.parse refuses (`0123…`, a bare number as an object key) into valid JSON.
      if (/^-?[1-9]\d*$/.test(literal) && quote(literal) && !followedByColon(text, i)) {
        out += `${text.slice(copiedUpTo, start)}"${literal}"`;
        copiedUpTo = i;
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** The index just past the string literal whose content starts at `i`. */
function afterString(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 0x5c /* \ */) j += 2;
    else if (d === 0x22 /* " */) return j + 1;
    else j++;
  }
  return j;
}

/** True when the next non-whitespace character at or after `i` is ':' (the literal was an object key). */
function followedByColon(text: string, i: number): boolean {
  let j = i;
  while (j < text.length && isJsonSpace(text.charCodeAt(j))) j++;
  return text.charCodeAt(j) === 0x3a; /* : */
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}
