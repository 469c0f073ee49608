/**
 * One HTTP exchange (request, then the whole response body as text), the way every platform client needs it;
 * the Kommo and Tokopedia clients map statuses and errors themselves.
 *
 * Where it runs is a process setting: on the calling thread with undici (the default, and what the CLI commands
 * and tests use), or on a worker thread (worker-transport.ts) that `tokokommo serve` switches on, so the daemon's
 * main thread — which also answers webhooks and runs every SQLite write — spends its time on the bridge, not on
 * HTTP framing. Either way a network failure rejects with an Error whose `name` and `code` are undici's
 * (TimeoutError / AbortError for the timeout, ECONNREFUSED, UND_ERR_SOCKET, ...).
 */
import type { Dispatcher } from "undici";
import { loadUndici } from "./undici.js";

export interface ExchangeCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Total time for the exchange, body included. */
  timeoutMs: number;
}

export interface ExchangeAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export type Exchange = (call: ExchangeCall) => Promise<ExchangeAnswer>;

/** What crosses to the HTTP worker and back (structured clone; see http-worker.ts). */
export interface WorkerCall extends ExchangeCall {
  id: number;
}
export type WorkerAnswer =
  | ({ id: number } & ExchangeAnswer)
  | { id: number; error: { name: string; code?: string; message: string } };

/** The worker's first message: its modules are loaded and it takes calls. */
export const READY = "ready";

/**
 * The exchange on this thread. `dispatcher` (e.g. a ProxyAgent to a whitelisted static IP) is an object of this
 * thread that cannot cross to the worker: callers that need one call this directly.
 */
export async function directExchange(call: ExchangeCall, dispatcher?: Dispatcher): Promise<ExchangeAnswer> {
  const { request } = await loadUndici();
  const halt = new AbortController();
  inFlight.add(halt);
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      // undici's own timeouts are coarse (about a second); the abort signal is what enforces timeoutMs.
      signal: AbortSignal.any([AbortSignal.timeout(call.timeoutMs), halt.signal]),
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } finally {
    inFlight.delete(halt);
  }
}

/** Direct exchanges of this thread still waiting for their answer (see abortDirectExchanges). */
const inFlight = new Set<AbortController>();

/**
 * Aborts every direct exchange of this thread in flight: they reject as aborted (a network failure to their
 * callers). For the shutdown of a process that owns its exchanges (`tokokommo serve`): a slow answer must not
 * keep the process alive after the daemon stopped. Returns how many were aborted.
 */
export function abortDirectExchanges(): number {
  const n = inFlight.size;
  for (const halt of inFlight) halt.abort();
  inFlight.clear();
  return n;
}

let current: Exchange = directExchange;

/** Performs one exchange where the process setting says (see the header). */
export function exchange(call: ExchangeCall): Promise<ExchangeAnswer> {
  return current(call);
}

/**
 * Process edge: `tokokommo serve` routes exchanges through its worker; `undefined` restores the direct path.
 * Returns the setting it replaced, so whoever set it can put that back.
 */
export function setExchange(fn: Exchange | undefined): Exchange {
  const previous = current;
  current = fn ?? directExchange;
  return previous;
}

/** The exchange in use now (see setExchange). */
export function currentExchange(): Exchange {
  return current;
}
