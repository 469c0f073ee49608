/**
 * The IP address Tokopedia sees when this server calls it, for the IP whitelist
 * (docs/platforms/tokopedia.md#ip-whitelist): given (`--egress-ip`), configured (`server.egressIp`), or asked of an
 * echo URL (`endpoints.ipEcho`, any endpoint that answers the caller's IP as plain text or JSON `{ "ip": "..." }`).
 * Undefined when none of them is available.
 */
import { isIP } from "node:net";
import { request } from "undici";
import { TkError } from "../../errors/index.js";
import { isObj } from "../config-file.js";

export interface EgressIp {
  ip: string;
  /** Where it came from, for messages: "--egress-ip", "server.egressIp" or the echo URL. */
  source: string;
}

export async function detectEgressIp(o: {
  override?: string;
  configured?: string;
  echoUrl?: string;
  timeoutMs?: number;
}): Promise<EgressIp | undefined> {
  if (o.override) return { ip: o.override, source: "--egress-ip" };
  if (o.configured) return { ip: o.configured, source: "server.egressIp" };
  if (!o.echoUrl) return undefined;
  const timeout = o.timeoutMs ?? 5000;
  let text: string;
  try {
    const res = await request(o.echoUrl, { method: "GET", headersTimeout: timeout, bodyTimeout: timeout });
    text = (await res.body.text()).trim();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  } catch (err) {
    throw new TkError("TK_ERR_SETUP_EGRESS_IP", `cannot learn this server's IP from ${o.echoUrl}`, {
      fix: "check endpoints.ipEcho (a URL that answers the caller's IP), or give the IP with --egress-ip / server.egressIp",
      details: { echoUrl: o.echoUrl, reason: err instanceof Error ? err.message : String(err) },
      cause: err,
    });
  }
  let ip = text;
  if (text.startsWith("{")) {
    try {
      const j: unknown = JSON.parse(text);
      ip = isObj(j) && typeof j.ip === "string" ? j.ip : "";
    } catch {
      ip = "";
    }
  }
  if (isIP(ip) === 0) {
    throw new TkError("TK_ERR_SETUP_EGRESS_IP", `${o.echoUrl} did not answer with an IP address`, {
      fix: "point endpoints.ipEcho at a service that answers the caller's IP (e.g. https://api.ipify.org), or use --egress-ip",
      details: { echoUrl: o.echoUrl },
    });
  }
  return { ip, source: o.echoUrl };
}

/** The exact instruction for the whitelist, shared by init and doctor. */
export function whitelistFix(ip: string, fsId: number | string): string {
  return `add ${ip} to the IP whitelist of app ${fsId} in the Tokopedia Developer Console (App > IP Whitelist), then run again`;
}
