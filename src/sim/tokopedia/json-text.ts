/**
 * The simulator writes its JSON itself so int64 ids go out the way Tokopedia sends them: bare JSON numbers
 * (held here as bigint, which JSON.stringify refuses). Independent of the client's parser on purpose.
 */
export type Wire = bigint | string | number | boolean | null | undefined | Wire[] | { [key: string]: Wire };

export function wireJson(value: Wire): string {
  // JSON.stringify does the work (fast, native); a bigint becomes a marked string on the way and the mark, with
  // its quotes, is then taken off, leaving the bare number. The mark starts with a NUL, which JSON writes as the
  // six characters \u0000 and which no id or text of the simulator contains.
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "bigint" ? `${BIGINT_MARK}${v}` : v,
  );
  return text === undefined ? "null" : text.replace(MARKED_BIGINT, "$1");
}

const BIGINT_MARK = "\u0000bigint:";
const MARKED_BIGINT = /"\\u0000bigint:(-?\d+)"/g;
