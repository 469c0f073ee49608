/**
 * One HTTP exchange (net/exchange.ts: undici, on the daemon's HTTP thread unless a dispatcher is given), with a
 * total timeout. Network failures (refused, reset, dropped socket, timeout) become TK_ERR_TOKOPEDIA_TRANSIENT;
 * HTTP statuses are returned for the caller to map.
 */
import type { Dispatcher } from "undici";
import { directExchange, exchange as exchangeHttp } from "../../net/exchange.js";
import { tokopediaError } from "./errors.js";

export interface HttpCall {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** Operation name for errors and rate-limit buckets, e.g. "list replies". */
  endpoint: string;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function exchange(call: HttpCall): Promise<HttpAnswer> {
  try {
    const x = {
      method: call.method,
      url: call.url,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      timeoutMs: call.timeoutMs,
    };
    // A dispatcher (e.g. the proxy to a whitelisted IP) lives on this thread: such calls stay here.
    return call.dispatcher ? await directExchange(x, call.dispatcher) : await exchangeHttp(x);
  } catch (err) {
    const name = err instanceof Error ? err.name : "Error";
    const timedOut = /Timeout|AbortError/i.test(name);
    throw tokopediaError(
      "transient",
      timedOut
        ? `Tokopedia did not answer ${call.endpoint} within ${call.timeoutMs} ms`
        : `Could not reach Tokopedia for ${call.endpoint} (${name})`,
      { endpoint: call.endpoint, network: true, timeout: timedOut },
      err,
    );
  }
}

export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
