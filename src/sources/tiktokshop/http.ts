/**
 * One HTTP exchange with a TikTok Shop host: send, read the `{code, message, request_id, data}` envelope,
 * and turn every failure into a typed TkError (errors.ts). The HTTP status is not uniform on this platform
 * (400, 401, 404 and 429 all carry error codes), so the body's `code` decides whenever there is a body.
 */
import { TkError } from "../../errors/index.js";
import { exchange as exchangeHttp } from "../../net/exchange.js";
import { parseRetryAfter } from "../../net/retry-after.js";
import { mapApiFailure, rateLimited, TTS_ERR, transient } from "./errors.js";
import { asRecord, parseJsonKeepingBigInts } from "./json.js";

export interface HttpExchange {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  timeoutMs: number;
}

/** Returns `data` of a successful envelope (an empty object when absent). */
export async function exchange(x: HttpExchange): Promise<Record<string, unknown>> {
  const path = x.url.pathname;
  let status: number;
  let text: string;
  let retryAfterMs: number | undefined;
  try {
    const res = await exchangeHttp({
      method: x.method,
      url: x.url.toString(),
      headers: x.headers,
      ...(x.body !== undefined ? { body: x.body } : {}),
      timeoutMs: x.timeoutMs,
    });
    status = res.status;
    retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
    text = res.text;
  } catch (err) {
    // Dropped connection or timeout: for a POST the platform may or may not have acted on it.
    const e = transient({ path }, redactCause(err, x.url));
    if (x.method !== "GET" && e.details) e.details.maybeApplied = true;
    throw e;
  }

  let envelope: Record<string, unknown> | undefined;
  try {
    envelope = asRecord(parseJsonKeepingBigInts(text));
  } catch {
    envelope = undefined;
  }
  if (!envelope || typeof envelope.code !== "number") {
    if (status === 429)
      throw rateLimited({ httpStatus: status, path, ...(retryAfterMs ? { retryAfterMs } : {}) });
    if (status >= 500) throw transient({ httpStatus: status, path });
    throw new TkError(TTS_ERR.BAD_RESPONSE, `Tokopedia & Shop answered ${path} with an unexpected body.`, {
      fix: "Check endpoints.tiktokshopApi / endpoints.tiktokshopAuth point at the real hosts (or the simulator).",
      details: { httpStatus: status, path, retryable: false },
    });
  }
  const code = envelope.code;
  const requestId = typeof envelope.request_id === "string" ? envelope.request_id : undefined;
  if (code !== 0) {
    throw mapApiFailure({
      platformCode: code,
      httpStatus: status,
      path,
      ...(typeof envelope.message === "string" ? { message: envelope.message } : {}),
      ...(requestId ? { requestId } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status === 429) throw rateLimited({ httpStatus: status, path });
  if (status >= 400) throw mapApiFailure({ httpStatus: status, path });
  return asRecord(envelope.data) ?? {};
}

/**
 * Network errors may quote the request URL, and token-host URLs carry the app secret in their query:
 * keep only the error's name, code and a message with any query string removed.
 */
function redactCause(err: unknown, url: URL): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const message = url.search ? e.message.split(url.search).join("?[redacted]") : e.message;
  const safe = new Error(message.replace(/app_secret=[^&\s]*/g, "app_secret=[redacted]"));
  safe.name = e.name;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") Object.assign(safe, { code });
  return safe;
}
