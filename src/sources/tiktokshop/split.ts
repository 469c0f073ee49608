/**
 * Splits a reply into messages the platform accepts (TEXT ≤ 2,000 characters, docs/platforms/tiktokshop.md). Length is
 * counted in UTF-16 code units, the stricter of the plausible ways to count, so a chunk is never too long.
 * Breaks prefer a paragraph, then a line, then a sentence end, then a space in the second half of the
 * window; a hard cut never lands inside a surrogate pair or right before a combining mark / joiner.
 */
export const MAX_TEXT_LENGTH = 2000;

export function splitText(text: string, max = MAX_TEXT_LENGTH): string[] {
  if (max < 2) throw new RangeError("max must be at least 2");
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = findBreak(rest, max);
    const head = rest.slice(0, cut.end).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut.next).replace(/^[ \t]*\r?\n?/u, "");
  }
  if (rest.trim().length > 0) chunks.push(rest);
  return chunks;
}

function findBreak(s: string, max: number): { end: number; next: number } {
  const window = s.slice(0, max + 1);
  const floor = Math.floor(max / 2);
  for (const pattern of [/\n\s*\n/gu, /\n/gu, /[.!?…](?=\s)/gu, /\s/gu]) {
    let best = -1;
    let bestLen = 0;
    for (const m of window.matchAll(pattern)) {
      const at = m.index ?? -1;
      // Sentence ends keep their punctuation; whitespace breaks drop the whitespace.
      const keep = pattern.source.startsWith("[.") ? m[0].length : 0;
      if (at + keep <= max && at >= floor) {
        best = at + keep;
        bestLen = m[0].length - keep;
      }
    }
    if (best > 0) return { end: best, next: best + bestLen };
  }
  // A hard cut: the highest one in the upper half that keeps characters whole. Text with none there (a run of
  // combining marks or joiners) is cut at the limit anyway, only never inside a surrogate pair: walking further
  // down would shred it into one-character messages.
  for (let end = max; end > Math.max(1, floor); end--) if (safeCut(s, end)) return { end, next: end };
  const end = splitsPair(s, max) ? max - 1 : max;
  return { end, next: end };
}

/** True when cutting before index `i` separates the two halves of a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  const before = s.charCodeAt(i - 1);
  const after = s.charCodeAt(i);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** True when cutting before index `i` keeps characters whole. */
function safeCut(s: string, i: number): boolean {
  const before = s.charCodeAt(i - 1);
  const after = s.charCodeAt(i);
  if (before >= 0xd800 && before <= 0xdbff) return false; // high surrogate: pair continues
  if (before === 0x200d) return false; // zero-width joiner binds to what follows
  if (after === 0x200d || (after >= 0xfe00 && after <= 0xfe0f)) return false; // joiner / variation selector
  if (after >= 0x0300 && after <= 0x036f) return false; // combining diacritics
  if (after >= 0xdc00 && after <= 0xdfff) return false; // low surrogate of a pair
  return true;
}
