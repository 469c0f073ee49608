/**
 * TikTok Shop signing primitives (docs/platforms/tiktokshop.md#request-signing), pinned by official vectors V1–V3, W1.
 * These two functions are the only code the simulator shares with the client: everything else (envelopes,
 * ids, parsing) is written twice on purpose, so a client mistake cannot hide in shared code.
 */
import { createHmac } from "node:crypto";

/** Query parameters that never take part in the signature. */
const UNSIGNED_PARAMS = new Set(["sign", "access_token"]);

/**
 * API request signature: HMAC-SHA256(key = secret, secret + path + sorted(name+value) + body + secret), hex.
 * `body` must be the exact bytes sent; multipart bodies are not signed (pass `multipart: true`).
 */
export function signApiRequest(input: {
  appSecret: string;
  path: string;
  query: Record<string, string>;
  body?: Uint8Array | string;
  multipart?: boolean;
}): string {
  // Ordinal sort (code-unit order), as the official Go sample's `<` and a .NET SDK's ordinal comparer do.
  const names = Object.keys(input.query)
    .filter((k) => !UNSIGNED_PARAMS.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Buffer[] = [Buffer.from(input.appSecret), Buffer.from(input.path)];
  for (const name of names) parts.push(Buffer.from(name + input.query[name]));
  if (!input.multipart && input.body !== undefined) parts.push(Buffer.from(input.body));
  parts.push(Buffer.from(input.appSecret));
  return createHmac("sha256", input.appSecret).update(Buffer.concat(parts)).digest("hex");
}

/** Webhook signature (`Authorization` header): HMAC-SHA256(key = app_secret, app_key + raw body), hex. */
export function signWebhookBody(appKey: string, appSecret: string, rawBody: Uint8Array | string): string {
  return createHmac("sha256", appSecret)
    .update(Buffer.concat([Buffer.from(appKey), Buffer.from(rawBody)]))
    .digest("hex");
}
