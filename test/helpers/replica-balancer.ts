/**
 * A load balancer in front of `serve` replicas, for replica tests: one loopback URL the platforms send their
 * webhooks to, each request forwarded to the next replica in turn (round robin).
 *
 * It behaves as an honest load balancer does, no better: a replica that refuses the connection (it is down) is
 * skipped and the request goes to the next one, since that replica never saw it; a replica that dies while it holds
 * a request leaves that request unanswered, and the balancer answers 502 without trying another (it cannot know
 * whether the replica committed it). The platform then sees a failed webhook: Kommo never retries one (the reply is
 * not acknowledged), Tokopedia neither (its message must come in through a poll sweep).
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReplicaBalancer {
  /** http://127.0.0.1:PORT: give it to the platforms as the daemon's URL. */
  url: string;
  /** Requests each replica answered (by index in the target list). */
  answeredBy(): number[];
  /** Requests answered 502: a replica died holding them, or every replica was down. */
  failed(): number;
  /** Why forwarding failed, by socket error code (ECONNREFUSED counts the skips to the next replica). */
  errors(): Record<string, number>;
  close(): Promise<void>;
}

interface Forwarded {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the request to one replica; rejects with the socket's error code when it fails. */
function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
    // A fresh connection per request (no keep-alive agent): a pooled socket to a replica killed since would fail
    // a request that replica never received, which would blur "down" and "died holding it".
    const out = request(
      target,
      { method: req.method, path: req.url, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    out.on("timeout", () => out.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    out.on("error", reject);
    out.end(body);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts a balancer over `targets` (the replicas' base URLs, e.g. http://127.0.0.1:20001). */
export async function startReplicaBalancer(targets: string[]): Promise<ReplicaBalancer> {
  const urls = targets.map((t) => new URL(t));
  const answered = urls.map(() => 0);
  let failed = 0;
  let next = 0;
  const errors: Record<string, number> = {};

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const first = next++ % urls.length;
    for (let k = 0; k < urls.length; k++) {
      const i = (first + k) % urls.length;
      try {
        const got = await forward(urls[i]!, req, body);
        answered[i]! += 1;
        const { "transfer-encoding": _te, connection: _c, ...headers } = got.headers;
        res.writeHead(got.status, { ...headers, "content-length": String(got.body.length) });
        res.end(got.body);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        errors[code] = (errors[code] ?? 0) + 1;
        // Refused: that replica is down and never saw the request; the next one may take it.
        if (code === "ECONNREFUSED") continue;
        break;
      }
    }
    failed += 1;
    res.writeHead(502, { "content-type": "text/plain" });
    res.end("bad gateway");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      failed += 1;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answeredBy: () => [...answered],
    failed: () => failed,
    errors: () => ({ ...errors }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
