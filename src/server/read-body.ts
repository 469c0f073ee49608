import type { IncomingMessage } from "node:http";

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** The client went away (or broke the framing) before the body was complete: its problem, answered 400. */
export class RequestAbortedError extends Error {
  constructor(cause?: unknown) {
    super("the client aborted the request before its body was complete", { cause });
  }
}

/**
 * Reads the raw request body as bytes, exactly as sent: webhook signatures are computed over these bytes, so
 * nothing may parse or re-encode them first. Stops reading (and rejects) as soon as the limit is crossed.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // drain so the connection can answer
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on("error", (err) => {
      if (failed || ended) return;
      failed = true;
      reject(new RequestAbortedError(err));
    });
    // A connection cut mid-body does not always come with an error event; without this the read would wait forever.
    req.on("close", () => {
      if (failed || ended) return;
      failed = true;
      reject(new RequestAbortedError());
    });
  });
}
