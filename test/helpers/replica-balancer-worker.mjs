/**
 * The load balancer of replica-balancer.ts, on its own thread: it forwards every webhook of a replica test, and on
 * the test's main thread it would compete with the simulators, whose arrival stamps the timing checks read.
 * workerData: { targets: string[] }. Posts { port } once listening, then its counts after every request.
 */
import { createServer, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const urls = workerData.targets.map((t) => new URL(t));
const stats = { answered: urls.map(() => 0), failed: 0, errors: {} };
let next = 0;

/** Sends the request to one replica; rejects with the socket's error when it fails. */
function forward(target, req, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
    // A fresh connection per request (no keep-alive agent): a pooled socket to a replica killed since would fail
    // a request that replica never received, which would blur "down" and "died holding it".
    const out = request(
      target,
      { method: req.method, path: req.url, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
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

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function handle(req, res) {
  const body = await readBody(req);
  const first = next++ % urls.length;
  for (let k = 0; k < urls.length; k++) {
    const i = (first + k) % urls.length;
    try {
      const got = await forward(urls[i], req, body);
      stats.answered[i] += 1;
      const { "transfer-encoding": _te, connection: _c, ...headers } = got.headers;
      res.writeHead(got.status, { ...headers, "content-length": String(got.body.length) });
      res.end(got.body);
      return;
    } catch (err) {
      const code = err?.code ?? String(err);
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      // Refused: that replica is down and never saw the request; the next one may take it.
      if (code === "ECONNREFUSED") continue;
      break;
    }
  }
  stats.failed += 1;
  res.writeHead(502, { "content-type": "text/plain" });
  res.end("bad gateway");
}

const server = createServer((req, res) => {
  handle(req, res)
    .catch(() => {
      stats.failed += 1;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    })
    .finally(() => parentPort?.postMessage({ stats }));
});
server.listen(0, "127.0.0.1", () => parentPort?.postMessage({ port: server.address().port }));
parentPort?.on("message", (m) => {
  if (m === "close") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
