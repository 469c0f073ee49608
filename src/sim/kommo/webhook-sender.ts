/**
 * Fire-once reply webhooks (docs/platforms/kommo.md#reply-webhook): POST the v2 JSON to the channel URL with
 * `:scope_id` substituted, X-Signature = hex HMAC-SHA1(channel secret, raw body), User-Agent amoCRM amoJo/1.0, 5 s
 * timeout, and never a retry, whatever the answer. Every attempt is recorded for tests.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { hmacSha1Hex } from "../../kommo/signing.js";
import type { SimWebhookDelivery } from "./types.js";

export async function fireWebhookOnce(input: {
  url: string;
  scopeId: string;
  secret: string;
  body: string;
  amojoMessageId: string;
  timeoutMs: number;
}): Promise<SimWebhookDelivery> {
  const signature = hmacSha1Hex(input.secret, input.body);
  const base = {
    scopeId: input.scopeId,
    url: input.url,
    body: input.body,
    signature,
    amojoMessageId: input.amojoMessageId,
    at: Date.now(),
  };
  return new Promise((resolve) => {
    const u = new URL(input.url);
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(input.body),
          "x-signature": signature,
          "user-agent": "amoCRM amoJo/1.0",
        },
        timeout: input.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ...base, status: res.statusCode ?? 0 }));
        res.on("error", (e) => resolve({ ...base, error: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${input.timeoutMs} ms`)));
    req.on("error", (e) => resolve({ ...base, error: e.message }));
    req.end(input.body);
  });
}
