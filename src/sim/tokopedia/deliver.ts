/**
 * Outbound chat webhooks: POSTed to the app's chat_notification_url, signed with `Authorization-Hmac` = hex
 * HMAC-SHA256(webhook_secret, raw body) when a secret is registered (docs/platforms/tokopedia.md#signatures). Uses
 * node:http directly (not the client's HTTP stack).
 */
import { createHmac } from "node:crypto";
import { request } from "node:http";
import { request as requestTls } from "node:https";

export interface Delivery {
  url: string;
  body: string;
  headers: Record<string, string>;
  status?: number;
  error?: string;
}

export function signedWebhook(
  secret: string,
  body: string,
): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (secret) headers["Authorization-Hmac"] = createHmac("sha256", secret).update(body, "utf8").digest("hex");
  return { headers, body: Buffer.from(body, "utf8") };
}

export function deliver(url: string, secret: string, body: string, timeoutMs: number): Promise<Delivery> {
  const signed = signedWebhook(secret, body);
  const record: Delivery = { url, body, headers: signed.headers };
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ ...record, error: "invalid URL" });
      return;
    }
    const send = target.protocol === "https:" ? requestTls : request;
    const req = send(
      target,
      { method: "POST", headers: { ...signed.headers, "Content-Length": String(signed.body.length) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ...record, status: res.statusCode ?? 0 }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ ...record, error: err.message }));
    req.end(signed.body);
  });
}
