/**
 * Signed Open API calls (docs/platforms/tiktokshop.md#request-signing): common query params, the signature over the exact
 * bytes sent, and the seller token in `x-tts-access-token` (never in the query, never signed).
 */
import { exchange } from "./http.js";
import { signApiRequest } from "./signing.js";

export interface ApiCredentials {
  appKey: string;
  appSecret: string;
  /** e.g. https://open-api.tiktokglobalshop.com (or a simulator's http://127.0.0.1:PORT). */
  apiBaseUrl: string;
  timeoutMs?: number;
  /** Clock in ms; the platform accepts timestamps from 5 min behind to 30 s ahead of its own. */
  now?: () => number;
}

export interface ApiCall {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  accessToken: string;
  /** Shop-scoped calls (all Customer Service endpoints) need it; /authorization/ calls must not send it. */
  shopCipher?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialized once; the same string is signed and sent. */
  json?: unknown;
  /** Multipart upload: sent as is, not signed. */
  multipart?: { body: Uint8Array; contentType: string };
}

export class TikTokShopApi {
  constructor(private readonly creds: ApiCredentials) {}

  async call(c: ApiCall): Promise<Record<string, unknown>> {
    const now = this.creds.now ?? Date.now;
    const query: Record<string, string> = {
      app_key: this.creds.appKey,
      timestamp: String(Math.floor(now() / 1000)),
    };
    if (c.shopCipher) query.shop_cipher = c.shopCipher;
    for (const [k, v] of Object.entries(c.query ?? {})) {
      // Empty parameters are not sent at all: what is not sent cannot be signed differently.
      if (v !== undefined && v !== "") query[k] = String(v);
    }
    let body: Uint8Array | string | undefined;
    let contentType = "application/json";
    if (c.multipart) {
      body = c.multipart.body;
      contentType = c.multipart.contentType;
    } else if (c.json !== undefined) {
      body = JSON.stringify(c.json);
    }
    query.sign = signApiRequest({
      appSecret: this.creds.appSecret,
      path: c.path,
      query,
      ...(body !== undefined ? { body } : {}),
      multipart: c.multipart !== undefined,
    });
    const url = new URL(c.path, this.creds.apiBaseUrl);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return exchange({
      method: c.method,
      url,
      headers: { "content-type": contentType, "x-tts-access-token": c.accessToken },
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.creds.timeoutMs ?? 15_000,
    });
  }
}
