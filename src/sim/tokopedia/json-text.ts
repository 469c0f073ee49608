/**
 * The simulator writes its JSON itself so int64 ids go out the way Tokopedia sends them: bare JSON numbers
 * (held here as bigint, which JSON.stringify refuses). Independent of the client's parser on purpose.
 */
export type Wire = bigint | string | number | boolean | null | undefined | Wire[] | { [key: string]: Wire };

export function wireJson(value: Wire): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(wireJson).join(",")}]`;
  if (typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${wireJson(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}
