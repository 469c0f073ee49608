/**
 * Tokopedia chat text is HTML-ish: links arrive wrapped in `<a rel="nofollow" target="_blank" href="URL">URL</a>`.
 * We reduce each anchor to its URL, line breaks to newlines, and decode entities; any other text (including a
 * buyer's literal "<3", RTL marks, zero-width characters, NUL or lone surrogates) is left alone.
 *
 * The text is a buyer's own message, so it is hostile input: the scanner below reads it in one pass with no
 * backtracking (its look-aheads — next '>', next quote, next closing anchor — come from tables built once per
 * message, and a tag's attributes are read only when the anchor is then consumed whole), and text longer than
 * CHAT_TEXT_CAP is cut before rendering, with a visible marker. Anchors that do not parse stay as plain text.
 */
import { decodeHTMLStrict } from "entities";

/**
 * Longest message text rendered (UTF-16 code units, 256 KiB). Chat messages are a few KB at most; anything longer
 * is cut here and ends with TRUNCATED_MARKER, never dropped silently.
 */
export const CHAT_TEXT_CAP = 256 * 1024;

/** Appended to a message cut at CHAT_TEXT_CAP; names how much was left out. */
export function truncatedMarker(omitted: number): string {
  return `\n[message truncated by tokokommo: ${omitted} more characters not shown]`;
}

/**
 * Decodes HTML character references (named ones like `&hellip;` and numeric ones) with a maintained decoder. Only
 * references ending in `;` are decoded; numeric references to surrogates, 0 or beyond U+10FFFF become U+FFFD, so
 * decoding never creates a lone surrogate. Text that is not a reference is returned unchanged.
 */
export function decodeEntities(s: string): string {
  return s.includes("&") ? decodeHTMLStrict(s) : s;
}

/** Chat HTML to plain text: anchors become their URL, `<br>` a newline, entities decoded, capped at `cap`. */
export function chatHtmlToText(msg: string, cap = CHAT_TEXT_CAP): string {
  if (msg.length <= cap) return decodeEntities(renderTags(msg));
  let cut = cap;
  // Never leave the high half of a surrogate pair at the end.
  if (isHighSurrogate(msg.charCodeAt(cut - 1)) && isLowSurrogate(msg.charCodeAt(cut))) cut--;
  return decodeEntities(renderTags(msg.slice(0, cut))) + truncatedMarker(msg.length - cut);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isSpace(c: number): boolean {
  // The characters of JS's \s that can appear between tag parts.
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

const LT = 60;
const GT = 62;
const SLASH = 47;
const DQUOTE = 34;
const SQUOTE = 39;

/**
 * Precomputed look-aheads over one text: for every index, where the next `>`, `"`, `'` and closing anchor tag
 * start. Each table is built on first use by one backward pass, so every question is answered in O(1) and the
 * scanner never re-reads text it has passed (which is what made the old regular expressions super-linear).
 */
class Lookahead {
  private readonly tables = new Map<string, Int32Array>();
  constructor(private readonly s: string) {}

  /** Index of the first `ch` (one UTF-16 unit) at or after `from`, or -1. */
  next(ch: number, from: number): number {
    const key = String(ch);
    let t = this.tables.get(key);
    if (!t) {
      t = new Int32Array(this.s.length + 1);
      let at = -1;
      t[this.s.length] = -1;
      for (let j = this.s.length - 1; j >= 0; j--) {
        if (this.s.charCodeAt(j) === ch) at = j;
        t[j] = at;
      }
      this.tables.set(key, t);
    }
    return from >= this.s.length ? -1 : t[from]!;
  }

  /** Start of the first `</a\s*>` (any case) at or after `from`, or -1. */
  nextCloseAnchor(from: number): number {
    let t = this.tables.get("</a>");
    if (!t) {
      const s = this.s;
      t = new Int32Array(s.length + 1);
      let at = -1;
      t[s.length] = -1;
      for (let j = s.length - 1; j >= 0; j--) {
        if (s.charCodeAt(j) === LT && closeAnchorEnd(s, j) >= 0) at = j;
        t[j] = at;
      }
      this.tables.set("</a>", t);
    }
    return from >= this.s.length ? -1 : t[from]!;
  }
}

/** End (exclusive) of `</a\s*>` starting at `j`, or -1 when none starts there. */
function closeAnchorEnd(s: string, j: number): number {
  if (s.charCodeAt(j + 1) !== SLASH || lower(s.charCodeAt(j + 2)) !== 97) return -1;
  let k = j + 3;
  // The whitespace run after `</a` belongs to this one candidate only, so the table build stays linear.
  while (k < s.length && isSpace(s.charCodeAt(k))) k++;
  return s.charCodeAt(k) === GT ? k + 1 : -1;
}

/** Reduces anchors and `<br>`; everything else is copied as it is. */
function renderTags(s: string): string {
  if (!s.includes("<")) return s;
  const n = s.length;
  const look = new Lookahead(s);
  let out = "";
  let copied = 0; // s[copied, i) is plain text not yet copied to out
  let dropCloseAt = -1; // start of the `</a>` that closes an anchor without href (its tags are dropped)
  let i = s.indexOf("<");
  while (i >= 0 && i < n) {
    let next = i + 1; // where to look for the next '<'
    if (i === dropCloseAt) {
      out += s.slice(copied, i);
      copied = next = closeAnchorEnd(s, i);
      dropCloseAt = -1;
    } else {
      const br = brEnd(s, i);
      if (br > 0) {
        out += `${s.slice(copied, i)}\n`;
        copied = next = br;
      } else if (lower(s.charCodeAt(i + 1)) === 97 /* a */ && !isWordChar(s.charCodeAt(i + 2))) {
        const anchor = readAnchor(s, i, look);
        if (anchor?.href !== undefined) {
          out += s.slice(copied, i) + anchor.href;
          copied = next = anchor.end;
        } else if (anchor) {
          // No href: drop the tags, keep (and render) what is between them.
          out += s.slice(copied, i);
          copied = next = anchor.openEnd;
          dropCloseAt = anchor.closeStart;
        }
      }
    }
    i = s.indexOf("<", next);
  }
  return out + s.slice(copied);
}

/** End (exclusive) of `<br\s*\/?>` at `i`, or -1. */
function brEnd(s: string, i: number): number {
  if (lower(s.charCodeAt(i + 1)) !== 98 || lower(s.charCodeAt(i + 2)) !== 114) return -1;
  let j = i + 3;
  // Each whitespace run is read by at most the one `<br` before it: no '<' can start inside it.
  while (j < s.length && isSpace(s.charCodeAt(j))) j++;
  if (s.charCodeAt(j) === SLASH) j++;
  return s.charCodeAt(j) === GT ? j + 1 : -1;
}

interface Anchor {
  /** The quoted href value, undefined when the tag has none. */
  href?: string;
  /** End (exclusive) of the opening tag. */
  openEnd: number;
  /** Start of the closing tag. */
  closeStart: number;
  /** End (exclusive) of the closing tag. */
  end: number;
}

/**
 * Reads `<a ...>...</a>` starting at `i` (the caller checked `<a` and a non-word character after it). The opening
 * tag ends at its first `>`, or at the first `>` after a quoted href value that itself contains `>`. Content runs
 * to the first closing tag. Undefined when the opening tag or the closing tag is missing (then it is plain text).
 * Whenever it reads the tag's attributes it returns an anchor, so the caller moves past them: nothing is read twice.
 */
function readAnchor(s: string, i: number, look: Lookahead): Anchor | undefined {
  const tagEnd = look.next(GT, i + 2);
  if (tagEnd < 0) return undefined;
  const closeStart = look.nextCloseAnchor(tagEnd + 1);
  if (closeStart < 0) return undefined;
  const noHref: Anchor = { openEnd: tagEnd + 1, closeStart, end: closeAnchorEnd(s, closeStart) };
  const attr = findHrefValue(s, i + 2, tagEnd, look);
  if (!attr) return noHref;
  if (attr.close >= 0) return { ...noHref, href: s.slice(attr.start, attr.close) };
  // The quoted value holds a '>': it ends at the next matching quote, the tag at the next '>' after that.
  const valueEnd = look.next(attr.quote, tagEnd);
  const longTagEnd = valueEnd < 0 ? -1 : look.next(GT, valueEnd + 1);
  const longClose = longTagEnd < 0 ? -1 : look.nextCloseAnchor(longTagEnd + 1);
  if (longClose < 0) return noHref;
  return {
    href: s.slice(attr.start, valueEnd),
    openEnd: longTagEnd + 1,
    closeStart: longClose,
    end: closeAnchorEnd(s, longClose),
  };
}

/**
 * Locates the first `href\s*=\s*` followed by a quote in s[from, to) (the tag's attributes, which hold no '>'),
 * skipping other attributes' quoted values. Returns where the value starts, its quote character, and the closing
 * quote's index, or -1 when the value is not closed before `to`. Reads the range once.
 */
function findHrefValue(
  s: string,
  from: number,
  to: number,
  look: Lookahead,
): { start: number; quote: number; close: number } | undefined {
  let j = from;
  while (j < to) {
    const c = s.charCodeAt(j);
    if (c === DQUOTE || c === SQUOTE) {
      const close = look.next(c, j + 1);
      if (close < 0 || close >= to) return undefined;
      j = close + 1;
      continue;
    }
    if (
      lower(c) === 104 /* h */ &&
      !isWordChar(s.charCodeAt(j - 1)) &&
      lower(s.charCodeAt(j + 1)) === 114 /* r */ &&
      lower(s.charCodeAt(j + 2)) === 101 /* e */ &&
      lower(s.charCodeAt(j + 3)) === 102 /* f */
    ) {
      let k = j + 4;
      while (k < to && isSpace(s.charCodeAt(k))) k++;
      if (k < to && s.charCodeAt(k) === 61 /* = */) {
        k++;
        while (k < to && isSpace(s.charCodeAt(k))) k++;
        const q = s.charCodeAt(k);
        if (k < to && (q === DQUOTE || q === SQUOTE)) {
          const close = look.next(q, k + 1);
          return { start: k + 1, quote: q, close: close >= 0 && close < to ? close : -1 };
        }
      }
      j = Math.max(k, j + 1);
      continue;
    }
    j++;
  }
  return undefined;
}
