/**
 * Downloads a picture a manager attached in Kommo, to upload it to a marketplace that takes images (TikTok Shop).
 *
 * The link comes from a Kommo message, so whoever can write into the Kommo chat chooses it. Hence:
 * - only public addresses are connected to (net/address-policy.ts, checked on the address actually connected
 *   to, redirects included), unless the operator allows private networks (`media.allowPrivateNetworks` or
 *   TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS=1, for a media host inside the own network, or the simulators);
 * - bounded in size (10 MiB) and in total time (30 s, from connecting to the last byte): a reply job must not
 *   hang on a slow media host or fill memory;
 * - aborted by `signal` (the daemon's stop), so a download cannot hold the process after shutdown;
 * - error messages name no address, port or network error: they reach the manager in Kommo as the reason a
 *   reply failed. The network error is kept as the TkError's cause, for the logs.
 */
import type { Dispatcher } from "undici";
import { TkError, type TkErrorCode } from "../errors/index.js";
import { isRefusedAddress } from "../net/address-policy.js";
import { ADDRESS_REFUSED, guardedConnector } from "../net/guarded-connect.js";
import { loadUndici } from "../net/undici.js";

export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const MEDIA_DEADLINE_MS = 30_000;
const MAX_REDIRECTS = 5;

/** The env var that allows private networks like `media.allowPrivateNetworks: true` does. */
export const ALLOW_PRIVATE_ENV = "TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS";

export interface MediaDownloadOptions {
  maxBytes?: number;
  /** Total time for the download, redirects and body included (default 30 s). */
  deadlineMs?: number;
  /** Connect to loopback, private, link-local... addresses too (default false). */
  allowPrivateNetworks?: boolean;
  /** Which addresses are refused; overrides the policy above (tests). */
  refuseAddress?: (address: string) => boolean;
  /** Aborts the download (the daemon is stopping). */
  signal?: AbortSignal;
}

/** Whether private networks are allowed: the config key, or the env var set to 1 / true. */
export function mediaAllowsPrivateNetworks(
  media: { allowPrivateNetworks: boolean } | undefined,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const v = env[ALLOW_PRIVATE_ENV]?.trim().toLowerCase();
  return media?.allowPrivateNetworks === true || v === "1" || v === "true";
}

export async function downloadMedia(
  url: string,
  opts: MediaDownloadOptions = {},
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const maxBytes = opts.maxBytes ?? MAX_MEDIA_BYTES;
  const deadlineMs = opts.deadlineMs ?? MEDIA_DEADLINE_MS;
  const refuse = opts.refuseAddress ?? (opts.allowPrivateNetworks ? () => false : isRefusedAddress);
  const deadline = AbortSignal.timeout(deadlineMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const { Agent, buildConnector, request } = await loadUndici();
  // One agent per download: its connections are checked by the guard and closed with it.
  const agent = new Agent({ connect: guardedConnector(buildConnector, refuse), connections: 1 });
  try {
    let target = parseUrl(url);
    for (let hop = 0; ; hop++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(target, {
          method: "GET",
          dispatcher: agent,
          signal,
          headersTimeout: deadlineMs,
          bodyTimeout: deadlineMs,
        });
      } catch (err) {
        throw failure(err, signal, opts.signal);
      }
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === "string") {
        await res.body.dump().catch(() => undefined);
        if (hop >= MAX_REDIRECTS) throw mediaError("TK_ERR_MEDIA_DOWNLOAD", "too many redirects", false);
        target = parseUrl(location, target);
        continue; // the next hop goes through the same guard
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        const retryable = res.statusCode >= 500 || res.statusCode === 429;
        throw mediaError(
          "TK_ERR_MEDIA_DOWNLOAD",
          `the media host answered HTTP ${res.statusCode}`,
          retryable,
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new TkError("TK_ERR_MEDIA_TOO_LARGE", `the picture is larger than ${maxBytes} bytes`, {
              details: { retryable: false },
            });
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof TkError) throw err;
        throw failure(err, signal, opts.signal);
      }
      const contentType = String(res.headers["content-type"] ?? "application/octet-stream")
        .split(";")[0]!
        .trim();
      return { bytes: Buffer.concat(chunks, size), contentType };
    }
  } finally {
    agent.destroy().catch(() => undefined);
  }
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw mediaError("TK_ERR_MEDIA_DOWNLOAD", "the link is not a valid URL", false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw mediaError("TK_ERR_MEDIA_DOWNLOAD", "the link is not an http(s) URL", false);
  return url;
}

/** A network-level failure, told without network details (see the header). */
function failure(err: unknown, signal: AbortSignal, stop: AbortSignal | undefined): TkError {
  if ((err as { code?: unknown })?.code === ADDRESS_REFUSED)
    return mediaError(
      "TK_ERR_MEDIA_ADDRESS_REFUSED",
      "its address is in a private or local network",
      false,
      err,
    );
  if (stop?.aborted) return mediaError("TK_ERR_MEDIA_DOWNLOAD", "the bridge is stopping", true, err);
  if (signal.aborted) return mediaError("TK_ERR_MEDIA_DOWNLOAD", "it took too long", true, err);
  return mediaError("TK_ERR_MEDIA_DOWNLOAD", "the media host could not be reached", true, err);
}

function mediaError(code: TkErrorCode, reason: string, retryable: boolean, cause?: unknown): TkError {
  return new TkError(code, `the picture could not be downloaded (${code}: ${reason})`, {
    details: { retryable },
    ...(cause !== undefined ? { cause } : {}),
    ...(code === "TK_ERR_MEDIA_ADDRESS_REFUSED"
      ? {
          fix: "Kommo links only to public hosts; if the media host is inside your own network on purpose, set media.allowPrivateNetworks in the config",
        }
      : {}),
  });
}
