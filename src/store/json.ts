/** JSON columns: written with JSON.stringify, read back as unknown (callers narrow what they stored). */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  return JSON.parse(text) as unknown;
}
