/**
 * JSON parsing that keeps int64 ids intact. Tokopedia emits ids as bare JSON numbers (int64). Today's ids fit a
 * double, but nothing guarantees it: every integer literal that a double cannot hold exactly is quoted before
 * parsing, and readers accept an id as a number or a string (see `readId`).
 */
import { parseJsonQuotingIntegers } from "../../net/json-big-integers.js";

const unsafe = (literal: string): boolean => !Number.isSafeInteger(Number(literal));

export function parseJsonKeepingIds(text: string): unknown {
  return parseJsonQuotingIntegers(text, unsafe);
}
