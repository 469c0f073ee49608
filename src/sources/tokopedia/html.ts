/**
 * Tokopedia chat text is HTML-ish: links arrive wrapped in `<a rel="nofollow" target="_blank" href="URL">URL</a>`
 * (reference §4.2). We reduce each anchor to its URL, line breaks to newlines, and decode entities; any other
 * text (including a buyer's literal "<3") is left alone.
 */
const ANCHOR = /<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>[\s\S]*?<\/a\s*>/gi;
const ANCHOR_NO_HREF = /<a\b[^>]*>([\s\S]*?)<\/a\s*>/gi;
const BR = /<br\s*\/?>/gi;

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function decodeEntities(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

export function chatHtmlToText(msg: string): string {
  const reduced = msg
    .replace(ANCHOR, (_m, _q, href: string) => href)
    .replace(ANCHOR_NO_HREF, (_m, inner: string) => inner)
    .replace(BR, "\n");
  return decodeEntities(reduced);
}
