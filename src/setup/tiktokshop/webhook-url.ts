/**
 * The URL to paste into Partner Center as the app's webhook ("HTTP server URL"), and why TikTok Shop might refuse
 * it: the platform only calls https URLs on a domain name, without a port (docs/platforms/tiktokshop.md#webhooks).
 */
import { isIP } from "node:net";
import type { Config } from "../../config/index.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";

export interface TikTokShopWebhookUrl {
  /** `{server.publicUrl}/webhooks/tiktokshop/{app}`, or undefined when publicUrl is not set. */
  url: string | undefined;
  /** Reasons Partner Center would refuse the URL (empty when it looks acceptable). */
  warnings: string[];
}

/** Only the config's `server.publicUrl` is read. */
export function tiktokshopWebhookUrl(
  config: { server: Partial<Config["server"]> },
  app: string,
): TikTokShopWebhookUrl {
  const base = config.server.publicUrl;
  if (!base) {
    return {
      url: undefined,
      warnings: [
        "server.publicUrl is not set: Tokopedia & Shop cannot deliver webhooks (set it to the https address of this bridge)",
      ],
    };
  }
  const url = `${trimTrailingSlashes(base)}/webhooks/tiktokshop/${encodeURIComponent(app)}`;
  const parsed = new URL(url);
  const warnings: string[] = [];
  if (parsed.protocol !== "https:") {
    warnings.push(
      "Tokopedia & Shop only calls https:// webhook URLs: put this bridge behind a TLS reverse proxy and set server.publicUrl to its https address",
    );
  }
  if (parsed.port !== "") {
    warnings.push(
      `Tokopedia & Shop refuses webhook URLs with a port (${parsed.port}): serve the bridge on the default port 443 behind a reverse proxy`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0 || host === "localhost") {
    warnings.push(
      "Tokopedia & Shop needs a public domain name (not an IP address or localhost) with a valid certificate",
    );
  }
  return { url, warnings };
}
