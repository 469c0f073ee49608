/**
 * The simulator's own wire helpers: response envelope, body limit, the status each platform
 * code comes with, and opaque page tokens. Deliberately separate from the client's code.
 */

import { randomBytes } from "node:crypto";
import type { SimAnswer } from "../base/index.js";

export const MAX_BODY_BYTES = 12 * 1024 * 1024;

/**
 * HTTP status observed or assumed for each code (docs/platforms/tiktokshop.md#envelope-and-errors); business errors
 * come with 200.
 */
export function statusForCode(code: number): number {
  switch (code) {
    case 0:
      return 200;
    case 36009002:
      return 429;
    case 36009009:
      return 404;
    case 36009010:
      return 405;
    case 105002:
    case 105005:
    case 106001:
    case 36009004:
    case 101000:
      return 401;
    case 36009033:
      return 403;
    case 106013:
    case 36009022:
    case 36009023:
    case 36009021:
      return 400;
    case 36009003:
      return 500;
    case 36009007:
      return 504;
    default:
      return 200;
  }
}

export function requestId(): string {
  return (
    new Date()
      .toISOString()
      .replace(/[^0-9]/g, "")
      .slice(0, 14) + randomBytes(9).toString("hex").toUpperCase()
  );
}

/** The platform's envelope `{code, message, request_id, data}`, with the status that goes with the code. */
export function envelope(
  code: number,
  message: string,
  data: unknown,
  opts: { status?: number; headers?: Record<string, string> } = {},
): SimAnswer {
  const body = JSON.stringify({ code, message, request_id: requestId(), data: code === 0 ? data : null });
  return {
    status: opts.status ?? statusForCode(code),
    headers: { "content-type": "application/json", ...(opts.headers ?? {}) },
    body,
  };
}

export function encodePageToken(payload: Record<string, string>): string {
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

export function decodePageToken(token: string): Record<string, string> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    return v as Record<string, string>;
  } catch {
    return undefined;
  }
}

/** The media type of a content-type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Extracts one named part of a multipart/form-data body. */
export function multipartPart(
  body: Buffer,
  contentType: string,
  name: string,
): { data: Buffer; contentType?: string } | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delim = Buffer.from(`--${boundary.trim()}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headEnd = part.indexOf("\r\n\r\n");
    if (headEnd >= 0) {
      const head = part.subarray(0, headEnd).toString("utf8");
      if (new RegExp(`name="${name}"`, "i").test(head)) {
        let data = part.subarray(headEnd + 4);
        if (data.subarray(-2).toString() === "\r\n") data = data.subarray(0, -2);
        const ct = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim();
        return { data, ...(ct ? { contentType: ct } : {}) };
      }
    }
    pos = next;
  }
  return undefined;
}

/** Image format from magic bytes, with dimensions when cheap to read (PNG, GIF). */
export function sniffImage(b: Buffer): { format: string; width: number; height: number } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) {
    return { format: "png", width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length >= 10 && b.subarray(0, 4).toString("latin1") === "GIF8") {
    return { format: "gif", width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { format: "jpeg", width: 800, height: 800 };
  if (
    b.length >= 12 &&
    b.subarray(0, 4).toString("latin1") === "RIFF" &&
    b.subarray(8, 12).toString("latin1") === "WEBP"
  ) {
    return { format: "webp", width: 800, height: 800 };
  }
  return undefined;
}

/**
 * One page of a listing that continues by page token: the token names the kind of list (`k`) and the last item
 * handed out; a token that is not this list's, or names an item no longer in it, is refused (undefined).
 */
export function pageAfterToken<T extends { id: string }>(
  all: T[],
  token: string | null,
  kind: string,
  size: number,
): { page: T[]; nextPageToken: string } | undefined {
  let start = 0;
  if (token) {
    const t = decodePageToken(token);
    const at = t?.k === kind ? all.findIndex((x) => x.id === t.last) : -1;
    if (at < 0) return undefined;
    start = at + 1;
  }
  const page = all.slice(start, start + size);
  const more = start + size < all.length;
  return { page, nextPageToken: more ? encodePageToken({ k: kind, last: page[page.length - 1]!.id }) : "" };
}
