/**
 * The one place the Kommo clients touch the network (undici, through net/exchange.ts). Network-level failures
 * (refused, reset, timeout) become TK_ERR_KOMMO_UNAVAILABLE, retryable: the request may or may not have been processed, so callers that
 * are not idempotent must be ready for a duplicate (amojo rejects a duplicate msgid; see amojo-errors.ts).
 */
import { exchange } from "../net/exchange.js";
import { trimTrailingSlashes } from "../net/trim-trailing-slashes.js";
import { type KommoApi, kommoErrors } from "./errors.js";
import { pathWithoutQuery } from "./signing.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function sendRaw(input: {
  api: KommoApi;
  url: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  headers: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
}): Promise<RawResponse> {
  const u = new URL(input.url);
  const path = pathWithoutQuery(u.pathname);
  try {
    return await exchange({
      method: input.method,
      url: input.url,
      headers: input.headers,
      ...(input.body ? { body: input.body } : {}),
      timeoutMs: input.timeoutMs,
    });
  } catch (cause) {
    const e = cause as { code?: string; name?: string };
    const code = e.name === "TimeoutError" || e.name === "AbortError" ? "timeout" : e.code;
    throw kommoErrors.unavailable(
      { api: input.api, method: input.method, path, networkError: code ?? "unknown" },
      cause,
    );
  }
}

/** Joins a base URL (which may carry a path prefix) and an absolute API path. */
export function joinUrl(baseUrl: string, path: string): string {
  return trimTrailingSlashes(baseUrl) + path;
}
