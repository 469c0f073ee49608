/**
 * JSON parsing that keeps int64 ids intact.
 *
 * Tokopedia emits ids as bare JSON numbers (int64). Today's ids fit a double, but nothing guarantees it, and a
 * double silently rounds anything above 2^53. Node 20's JSON.parse has no access to the source text of a number,
 * so before parsing we wrap every integer literal that a double cannot hold exactly in quotes; readers then
 * accept an id as a number or a string (see `readId`).
 */
export function parseJsonKeepingIds(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= DIGIT_0 && c <= DIGIT_9) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;
}

/** Quotes integer literals outside strings whose value is not a safe integer. Other text is left untouched. */
export function quoteUnsafeIntegers(text: string): string {
  let out = "";
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = i;
      i++;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      // Only a well-formed literal (no leading zero) in value position: quoting must not turn text that
      // JSON.parse refuses (`0123…`, a bare number as an object key) into valid JSON.
      if (
        /^-?[1-9]\d{15,}$/.test(token) &&
        !Number.isSafeInteger(Number(token)) &&
        !followedByColon(text, i)
      ) {
        out += text.slice(copiedUpTo, start) + '"' + token + '"';
        copiedUpTo = i;
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** True when the next non-whitespace character at or after `i` is ':' (the token was an object key). */
function followedByColon(text: string, i: number): boolean {
  let j = i;
  while (j < text.length && isJsonSpace(text.charCodeAt(j))) j++;
  return text.charCodeAt(j) === 58; /* : */
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
