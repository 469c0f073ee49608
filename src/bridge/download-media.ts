/**
 * Downloads a picture a manager attached in Kommo, to upload it to a marketplace that takes images (TikTok Shop).
 * Bounded in size and time: a reply job must not hang on a slow media host or fill memory.
 */
import type { Dispatcher } from "undici";
import { TkError } from "../errors/index.js";
import { loadUndici } from "../net/undici.js";

export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export async function downloadMedia(
  url: string,
  opts: { maxBytes?: number; timeoutMs?: number } = {},
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const maxBytes = opts.maxBytes ?? MAX_MEDIA_BYTES;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let res: Dispatcher.ResponseData;
  try {
    const { request } = await loadUndici();
    res = await request(url, { method: "GET", headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    throw new TkError(
      "TK_ERR_MEDIA_DOWNLOAD",
      `could not download the attachment: ${(err as Error).message}`,
      {
        details: { retryable: true },
        cause: err,
      },
    );
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new TkError("TK_ERR_MEDIA_DOWNLOAD", `the attachment URL answered HTTP ${res.statusCode}`, {
      details: { retryable: res.statusCode >= 500 || res.statusCode === 429 },
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.body.destroy();
      throw new TkError("TK_ERR_MEDIA_TOO_LARGE", `the attachment is larger than ${maxBytes} bytes`, {
        details: { retryable: false },
      });
    }
    chunks.push(chunk as Buffer);
  }
  const contentType = String(res.headers["content-type"] ?? "application/octet-stream")
    .split(";")[0]!
    .trim();
  return { bytes: Buffer.concat(chunks, size), contentType };
}
