/**
 * JSON parsing that keeps big integers exact. TikTok Shop ids are 19-digit numbers (beyond 2^53); they are
 * strings in the documented samples, but a number-typed id anywhere would silently lose digits through
 * JSON.parse. Integer literals longer than 15 digits are therefore turned into strings before parsing.
 */
import { parseJsonQuotingIntegers } from "../../net/json-big-integers.js";

const SAFE_DIGITS = 15;

export function parseJsonKeepingBigInts(text: string): unknown {
  return parseJsonQuotingIntegers(text, (literal) => literal.replace("-", "").length > SAFE_DIGITS);
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
