/**
 * Telling "unreachable" apart from "refused": a platform that never answered (nothing listens, DNS fails, the
 * connection drops or hangs) says nothing about the credentials doctor asked it to judge. Such a failure is
 * reported as the network problem it is, with the address, never as a refused token or bad secret.
 */
import { isTkError } from "../errors/index.js";
import { fail, type Outcome } from "./types.js";

const NETWORK_CODE = /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EPIPE|UND_ERR_)/;

/** The network-level code (or "timeout") found on an error or its causes, if any. */
function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === "string" && NETWORK_CODE.test(code)) return code;
    if (name === "TimeoutError" || name === "AbortError") return "timeout";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Why a call got no answer at all, or undefined when the platform did answer (an HTTP status, an error body):
 * the platform clients mark network failures in their error details (Kommo `networkError`, Tokopedia
 * `network`, TikTok Shop a transient error without an HTTP status).
 */
export function unreachableReason(err: unknown): string | undefined {
  if (!isTkError(err)) return networkCode(err);
  const d = err.details ?? {};
  if (typeof d.networkError === "string" && d.status === undefined) return d.networkError;
  if (d.network === true) return d.timeout === true ? "timeout" : (networkCode(err.cause) ?? "no connection");
  if (err.code.endsWith("_TRANSIENT") && d.httpStatus === undefined && err.cause !== undefined)
    return networkCode(err.cause) ?? "no connection";
  return undefined;
}

const WHY: Record<string, string> = {
  ECONNREFUSED: "nothing accepts connections there",
  ENOTFOUND: "the name does not resolve (DNS)",
  EAI_AGAIN: "DNS did not answer",
  ECONNRESET: "the connection was dropped",
  timeout: "no answer in time",
};

/** The scheme, host and port of a URL (what the operator checks the network path to). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * A failure for a platform that could not be reached: what could not be judged because of it, and how to check
 * the network path from this server.
 */
export function unreachable(platform: string, url: string, reason: string, unjudged: string): Outcome {
  const origin = originOf(url);
  return fail(
    `cannot reach ${platform} at ${origin} (${WHY[reason] ?? reason}${WHY[reason] ? `: ${reason}` : ""}), so ${unjudged} could not be checked`,
    `check that this server reaches ${origin} (DNS, firewall, outbound proxy; e.g. \`curl -sS -o /dev/null ${origin}\`), then run doctor again`,
  );
}

/** The outcome when nothing answered a check within `ms` (doctor's own time limit). */
export function noAnswer(ms: number, url: string | undefined): Outcome {
  const s = ms < 10_000 ? String(Number((ms / 1000).toFixed(1))) : String(Math.round(ms / 1000));
  const where = url ? originOf(url) : undefined;
  return fail(
    `no answer within ${s} s${where ? ` from ${where}` : ""}: the host is unreachable or hanging, so this could not be checked`,
    where
      ? `check that this server reaches ${where} (DNS, firewall, outbound proxy; e.g. \`curl -sS -m 10 -o /dev/null ${where}\`), then run doctor again`
      : "check the network path to the platform named in the title, then run doctor again",
  );
}
