/**
 * Kommo Chats API (amojo) request signing (docs/platforms/kommo.md#chats-api-signing). This file is the only code
 * the Kommo simulator shares with the client: it is pinned byte for byte by the seven official vectors
 * (test/kommo/signing.test.ts), so a mistake here cannot hide behind agreement between client and simulator.
 *
 * String to sign (LF-joined, no trailing newline):
 *   METHOD \n Content-MD5 \n Content-Type \n Date \n path-without-query
 * X-Signature = lowercase hex HMAC-SHA1(key = channel secret as ASCII, message = string to sign).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The only content type amojo supports; it is part of the signed string. */
export const AMOJO_CONTENT_TYPE = "application/json";

/** Lowercase hex MD5 of the exact body bytes; the MD5 of the empty string for a request without a body. */
export function md5Hex(body: Uint8Array | string): string {
  return createHash("md5").update(body).digest("hex");
}

/** Lowercase hex HMAC-SHA1 keyed with the secret string as-is (not hex-decoded). */
export function hmacSha1Hex(secret: string, data: Uint8Array | string): string {
  return createHmac("sha1", secret).update(data).digest("hex");
}

export interface StringToSignParts {
  method: string;
  contentMd5: string;
  contentType: string;
  date: string;
  /** Request path; a query string, if present, is cut off (it is never signed). */
  path: string;
}

export function amojoStringToSign(p: StringToSignParts): string {
  return [p.method.toUpperCase(), p.contentMd5, p.contentType, p.date, pathWithoutQuery(p.path)].join("\n");
}

export function pathWithoutQuery(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 2822 date with a numeric offset, as the docs show: `Wed, 15 Dec 2021 23:12:55 +0000` (always UTC). */
export function rfc2822Date(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  return (
    `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`
  );
}

export interface SignedAmojoHeaders {
  Date: string;
  "Content-Type": string;
  "Content-MD5": string;
  "X-Signature": string;
}

/**
 * Headers for one amojo request. `body` must be the exact bytes that go on the wire (serialise once, sign that,
 * send that): re-serialising after hashing is the classic way to break the signature.
 */
export function signAmojoRequest(input: {
  secret: string;
  method: string;
  path: string;
  body: Uint8Array | string;
  date: Date | string;
}): SignedAmojoHeaders {
  const date = typeof input.date === "string" ? input.date : rfc2822Date(input.date);
  const contentMd5 = md5Hex(input.body);
  const toSign = amojoStringToSign({
    method: input.method,
    contentMd5,
    contentType: AMOJO_CONTENT_TYPE,
    date,
    path: input.path,
  });
  return {
    Date: date,
    "Content-Type": AMOJO_CONTENT_TYPE,
    "Content-MD5": contentMd5,
    "X-Signature": hmacSha1Hex(input.secret, toSign),
  };
}

/** Constant-time comparison of two hex strings (case-insensitive); false on any length mismatch. */
export function hexEquals(expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(expected.toLowerCase(), "utf8");
  const b = Buffer.from(actual.trim().toLowerCase(), "utf8");
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
