/**
 * The IP-whitelist verdict, one function for doctor's check and `init`'s step: the whitelist as read from
 * Tokopedia ("refused" when Tokopedia already refuses this server's IP) against the egress IP, when known.
 */
import { type EgressIp, whitelistFix } from "../../setup/tokopedia/egress-ip.js";
import { fail, type Outcome, pass, warn } from "../types.js";

export function whitelistOutcome(
  ips: string[] | "refused",
  egress: EgressIp | undefined,
  fsId: number,
): Outcome {
  if (ips === "refused")
    return fail(
      `Tokopedia refuses this server's IP${egress ? ` (${egress.ip})` : ""}`,
      whitelistFix(egress?.ip ?? "this server's public IP", fsId),
    );
  if (!egress)
    return warn(
      `cannot tell which IP Tokopedia sees (whitelist: ${ips.join(", ") || "empty"})`,
      "set server.egressIp, or endpoints.ipEcho to a URL that answers the caller's IP, or pass --egress-ip",
    );
  if (ips.includes(egress.ip)) return pass(`${egress.ip} (from ${egress.source}) is whitelisted`);
  return fail(
    `${egress.ip} (from ${egress.source}) is not in the app's whitelist (${ips.join(", ") || "empty"})`,
    whitelistFix(egress.ip, fsId),
  );
}
