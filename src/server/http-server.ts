/**
 * The daemon's one HTTP server (design §7): webhook routes, health, readiness, metrics.
 * Answers are produced by route handlers; this file owns the socket: body limit (413), unknown paths (404),
 * wrong methods (405), and turning an unexpected handler failure into a 500 without stopping the server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, MAX_BODY_BYTES, readBody } from "./read-body.js";
import type { HttpResponse, Router } from "./router.js";

export interface HttpServerOptions {
  router: Router;
  maxBodyBytes?: number;
  /** Called for every request that ends, for metrics and logs. */
  onResponse?: (info: { method: string; path: string; status: number; ms: number }) => void;
  onError?: (err: unknown) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting connections and waits (up to graceMs) for in-flight requests. */
  close(graceMs?: number): Promise<void>;
}

export function createHttpServer(opts: HttpServerOptions): Server {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  return createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    let response: HttpResponse;
    try {
      const found = opts.router.match(method, url.pathname);
      if (found === undefined) response = { status: 404, body: { error: "not_found" } };
      else if (found === "method") response = { status: 405, body: { error: "method_not_allowed" } };
      else {
        const body = method === "GET" ? Buffer.alloc(0) : await readBody(req, limit);
        response = await found.route.handler({
          method,
          path: url.pathname,
          query: url.searchParams,
          params: found.params,
          headers: req.headers,
          body,
        });
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) response = { status: 413, body: { error: "body_too_large" } };
      else {
        opts.onError?.(err);
        response = { status: 500, body: { error: "internal_error" } };
      }
    }
    const isText = typeof response.body === "string";
    const payload =
      response.body === undefined ? "" : isText ? (response.body as string) : JSON.stringify(response.body);
    res.statusCode = response.status;
    res.setHeader(
      "content-type",
      response.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json"),
    );
    if (response.status === 413) res.setHeader("connection", "close");
    res.end(payload);
    opts.onResponse?.({
      method,
      path: url.pathname,
      status: response.status,
      ms: performance.now() - started,
    });
  });
}

export async function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
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
