/**
 * The daemon's one HTTP server: webhook routes, health, readiness, metrics.
 * Answers are produced by route handlers; this file owns the socket: request-target checks (400), body limit
 * (413), unknown paths (404), wrong methods (405), and turning an unexpected failure into a 500 without stopping
 * the server. Nothing a client sends can end the process: the request handler never lets a rejection escape,
 * even when writing the answer fails.
 *
 * It also bounds what a client can hold: the request head must arrive within headersTimeoutMs and the whole
 * request within requestTimeoutMs (slow clients, "slowloris", are cut in seconds, not Node's minutes), idle
 * keep-alive connections close after keepAliveTimeoutMs, and at most maxConnections are open at once (beyond
 * that, new connections are closed at once, so a flood cannot exhaust file descriptors).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { listenError } from "./listen-error.js";
import { BodyTooLargeError, MAX_BODY_BYTES, RequestAbortedError, readBody } from "./read-body.js";
import { parseRequestTarget } from "./request-target.js";
import type { HttpResponse, Router } from "./router.js";

/** Defaults of the limits below (docs/operations.md, "HTTP server limits"). */
export const HTTP_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 1024,
} as const;

export interface HttpServerOptions {
  router: Router;
  maxBodyBytes?: number;
  /** Called for every request that ends, for metrics and logs. Its failures are reported, never thrown. */
  onResponse?: (info: { method: string; path: string; status: number; ms: number }) => void;
  /** Unexpected failures (a handler threw, an answer could not be written). Must not throw (if it does: ignored). */
  onError?: (err: unknown) => void;
  /** Time for a client to send the whole request head, from its first byte or from the connection (10 s). */
  headersTimeoutMs?: number;
  /** Time for a client to send the whole request, body included (30 s). */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (5 s). */
  keepAliveTimeoutMs?: number;
  /** How often the two request timeouts are checked (1 s); they are enforced to within this. */
  connectionsCheckingIntervalMs?: number;
  /** Concurrent connections; beyond this a new connection is closed at once (1024). */
  maxConnections?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting connections and waits (up to graceMs) for in-flight requests. */
  close(graceMs?: number): Promise<void>;
}

const BAD_REQUEST: HttpResponse = { status: 400, body: { error: "bad_request" } };

export function createHttpServer(opts: HttpServerOptions): Server {
  const report = (err: unknown) => {
    try {
      opts.onError?.(err);
    } catch {
      // A broken logger must not turn into a crash of the server.
    }
  };
  const headersTimeout = opts.headersTimeoutMs ?? HTTP_LIMITS.headersTimeoutMs;
  /** Connections that sent at least one whole request head; see closeSilentConnections. */
  const spoke = new WeakSet<Socket>();
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: opts.requestTimeoutMs ?? HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? HTTP_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval:
        opts.connectionsCheckingIntervalMs ?? HTTP_LIMITS.connectionsCheckingIntervalMs,
    },
    (req, res) => {
      spoke.add(req.socket);
      handle(opts, report, req, res).catch((err: unknown) => answerAfterFailure(res, err, report));
    },
  );
  server.maxConnections = opts.maxConnections ?? HTTP_LIMITS.maxConnections;
  closeSilentConnections(server, spoke, headersTimeout);
  return server;
}

type Report = (err: unknown) => void;

/** Routes one request and runs its handler; every failure becomes an answer (400, 404, 405, 413 or 500). */
async function answer(
  opts: HttpServerOptions,
  report: Report,
  req: IncomingMessage,
  method: string,
): Promise<HttpResponse> {
  const target = parseRequestTarget(req.url ?? "/");
  if (target === undefined) return BAD_REQUEST;
  try {
    const found = opts.router.match(method, target.path);
    if (found === undefined) return { status: 404, body: { error: "not_found" } };
    if (found === "method") return { status: 405, body: { error: "method_not_allowed" } };
    if (found === "malformed") return BAD_REQUEST;
    const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
    const body = method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await readBody(req, limit);
    return await found.route.handler({
      method,
      path: target.path,
      query: target.query,
      params: found.params,
      headers: req.headers,
      body,
    });
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { status: 413, body: { error: "body_too_large" } };
    if (err instanceof RequestAbortedError) return BAD_REQUEST;
    report(err);
    return { status: 500, body: { error: "internal_error" } };
  }
}

async function handle(
  opts: HttpServerOptions,
  report: Report,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const method = req.method ?? "GET";
  const response = await answer(opts, report, req, method);
  const isText = typeof response.body === "string";
  const payload =
    response.body === undefined ? "" : isText ? (response.body as string) : JSON.stringify(response.body);
  res.statusCode = response.status;
  res.setHeader(
    "content-type",
    response.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json"),
  );
  if (response.status === 413 || response.status === 400) res.setHeader("connection", "close");
  res.end(payload); // for HEAD, Node sends the head only
  try {
    opts.onResponse?.({
      method,
      // The raw target of a refused request is attacker-chosen: keep it out of logs and metric labels.
      path: response === BAD_REQUEST ? "(bad request target)" : (req.url ?? "/").split("?", 1)[0]!,
      status: response.status,
      ms: performance.now() - started,
    });
  } catch (err) {
    report(err);
  }
}

/** Encoding or writing the answer failed: report it and answer 500 if nothing was sent yet, else cut. */
function answerAfterFailure(res: ServerResponse, err: unknown, report: Report): void {
  report(err);
  try {
    if (res.headersSent) res.destroy();
    else {
      res.statusCode = 500;
      res.setHeader("content-type", "application/json");
      res.end('{"error":"internal_error"}');
    }
  } catch {
    res.destroy();
  }
}

/**
 * Node's headersTimeout only runs once a request's first byte arrived: a connection that never sends anything
 * would hold one of maxConnections forever. Give it the same time to send its first request head.
 */
function closeSilentConnections(server: Server, spoke: WeakSet<Socket>, headersTimeout: number): void {
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      if (!spoke.has(socket)) socket.destroy();
    }, headersTimeout);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
}

/** Listens on host:port; a port in use or a bad host is a TkError (TK_ERR_PORT_IN_USE, TK_ERR_SERVER_HOST). */
export async function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => reject(listenError(err, host, port));
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    server,
    port: addr.port,
    url: `http://${shownHost}:${addr.port}`,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        // Finishing requests in flight are answered; idle keep-alive sockets are closed now, and whatever is
        // still open after the grace period is cut so shutdown never hangs on a stuck client.
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
