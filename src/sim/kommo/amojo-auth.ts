/**
 * amojo request authentication as Kommo performs it (docs/platforms/kommo.md#chats-api-signing): Content-MD5 must
 * match the raw body, Date must be within 15 minutes, X-Signature must be the HMAC-SHA1 of the string to sign built
 * from the header values exactly as received and the path without its query. Only the primitives pinned by the
 * official vectors are imported from the client side.
 */
import type { IncomingHttpHeaders } from "node:http";
import { amojoStringToSign, hexEquals, hmacSha1Hex, md5Hex } from "../../kommo/signing.js";

export type AuthVerdict = { ok: true } | { ok: false; reason: string };

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
}

export function verifyAmojoRequest(input: {
  secret: string;
  method: string;
  rawPath: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  now: number;
  dateWindowMs: number;
}): AuthVerdict {
  const date = header(input.headers, "date");
  const contentMd5 = header(input.headers, "content-md5");
  const contentType = header(input.headers, "content-type");
  const signature = header(input.headers, "x-signature");
  if (!date || !contentMd5 || !signature) return { ok: false, reason: "missing auth header" };
  if (!hexEquals(md5Hex(input.body), contentMd5))
    return { ok: false, reason: "Content-MD5 does not match the body" };
  const at = Date.parse(date);
  if (Number.isNaN(at)) return { ok: false, reason: "unparseable Date" };
  if (Math.abs(input.now - at) > input.dateWindowMs)
    return { ok: false, reason: "Date outside the 15 minute window" };
  const q = input.rawPath.indexOf("?");
  const path = q === -1 ? input.rawPath : input.rawPath.slice(0, q);
  const expected = hmacSha1Hex(
    input.secret,
    amojoStringToSign({ method: input.method, contentMd5, contentType, date, path }),
  );
  return hexEquals(expected, signature) ? { ok: true } : { ok: false, reason: "signature mismatch" };
}
