/**
 * The HTTP server's own defences, over real sockets: hostile request targets and
 * bad percent-encoding get 400 without an error log and without an unhandled rejection; a failure while writing
 * the answer does not stop the server; slow headers, slow bodies and idle connections are cut; the number of
 * connections is capped; HEAD /healthz answers like GET without a body.
 */
import type { Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createHttpServer,
  type HttpServerOptions,
  listen,
  type RunningServer,
} from "../../src/server/http-server.js";
import { Router } from "../../src/server/router.js";
import { closedWithin, openSocket, rawRequest } from "../helpers/raw-http.js";
import { waitFor } from "../helpers/wait.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

function testRouter(): Router {
  return new Router()
    .add({ method: "GET", path: "/healthz", handler: () => ({ status: 200, body: { ok: true } }) })
    .add({
      method: "POST",
      path: "/webhooks/tokopedia/{app}",
      handler: (req) => ({ status: 200, body: { app: req.params.app, bytes: req.body.length } }),
    })
    .add({ method: "GET", path: "/unserializable", handler: () => ({ status: 200, body: { n: 1n } }) });
}

const started: RunningServer[] = [];
const errors: unknown[] = [];

async function startServer(extra: Partial<HttpServerOptions> = {}): Promise<RunningServer> {
  const s = await listen(
    createHttpServer({ router: testRouter(), onError: (e) => errors.push(e), ...extra }),
    "127.0.0.1",
    0,
  );
  started.push(s);
  return s;
}

async function healthy(port: number): Promise<boolean> {
  const a = await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  return a.status === 200;
}

beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});

afterEach(() => {
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await Promise.all(started.map((s) => s.close(100)));
});

describe("hostile request targets", () => {
  const targets = [
    "//",
    "//[",
    "http://",
    "//webhooks%2F/tokopedia/main",
    "http://evil.example/healthz",
    "*",
    "/webhooks/tokopedia/%E0%A4%A",
    "/webhooks/tokopedia/%zz",
    "/healthz%",
  ];
  for (const target of targets) {
    it(`POST ${target} -> 400, no error log, the server keeps answering`, async () => {
      const s = await startServer();
      errors.length = 0;
      const a = await rawRequest(
        s.port,
        `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`,
        {
          timeoutMs: 3_000,
        },
      );
      expect(a.status).toBe(400);
      expect(errors).toEqual([]);
      expect(await healthy(s.port)).toBe(true);
    });
  }

  it("paths are not normalized: dot segments and %2F under /webhooks/ never reach another route", async () => {
    const s = await startServer();
    for (const target of [
      "/webhooks/../healthz",
      "/webhooks/%2e%2e/healthz",
      "/webhooks/..%2Fhealthz",
      "/webhooks/tokopedia/..%2F..%2Fhealthz",
    ]) {
      const a = await rawRequest(s.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect([404, 405], target).toContain(a.status);
    }
  });

  it("a good target with a query string still routes (path and query split)", async () => {
    const s = await startServer();
    const res = await fetch(`${s.url}/webhooks/tokopedia/m%C3%A4in?x=1&y=%ZZ`, {
      method: "POST",
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ app: "mäin", bytes: 2 });
  });
});

describe("failures while answering", () => {
  it("a client that goes away mid-body is not an error of ours (no error log, no 500)", async () => {
    let answered = 0;
    const s = await startServer({ onResponse: () => answered++ });
    errors.length = 0;
    const a = await rawRequest(
      s.port,
      "POST /webhooks/tokopedia/main HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{ten bytes",
    );
    expect(a.timedOut).toBe(false);
    expect(a.status === undefined || a.status === 400).toBe(true);
    await waitFor("the aborted request to be handled", () => answered > 0);
    expect(errors).toEqual([]);
    expect(await healthy(s.port)).toBe(true);
  });

  it("an answer that cannot be encoded is a 500 and the server stays up", async () => {
    const s = await startServer();
    errors.length = 0;
    const a = await rawRequest(s.port, "GET /unserializable HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(a.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(await healthy(s.port)).toBe(true);
  });

  it("a throwing onResponse or onError hook does not leave a rejection behind", async () => {
    const s = await startServer({
      onResponse: () => {
        throw new Error("metrics broke");
      },
      onError: () => {
        throw new Error("logger broke");
      },
    });
    const a = await rawRequest(s.port, "GET /unserializable HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(a.status).toBe(500);
    expect((await rawRequest(s.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(200);
  });
});

describe("HEAD /healthz", () => {
  it("answers 200 like GET, with no body", async () => {
    const s = await startServer();
    const a = await rawRequest(s.port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {
      halfClose: false,
    });
    expect(a.status).toBe(200);
    await waitFor("the whole answer", () => a.closed || a.raw.includes("\r\n\r\n"));
    expect(a.raw.split("\r\n\r\n")[1] ?? "").toBe("");
    expect(a.raw.toLowerCase()).toContain("content-type: application/json");
  });
});

describe("slow and idle clients, connection cap", () => {
  const timeouts = { headersTimeoutMs: 400, requestTimeoutMs: 900, connectionsCheckingIntervalMs: 50 };
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
  });
  async function socketTo(port: number): Promise<Socket> {
    const s = await openSocket(port);
    sockets.push(s);
    return s;
  }
  /** Writes one byte of `text` every 50 ms until the socket closes. */
  function drip(socket: Socket, text: string): void {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= text.length) return clearInterval(timer);
      socket.write(text[i++]!);
    }, 50);
    socket.once("close", () => clearInterval(timer));
  }

  it("slow headers (slowloris) are cut after the header timeout", async () => {
    const s = await startServer(timeouts);
    const socket = await socketTo(s.port);
    const closed = closedWithin(socket, 5_000);
    socket.write("POST /webhooks/tokopedia/main HTTP/1.1\r\nHost: x\r\n");
    drip(socket, `X-Slow: ${"a".repeat(10_000)}`);
    const ms = await closed;
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(2_000);
    expect(await healthy(s.port)).toBe(true);
  });

  it("an idle connection that never sends a byte is cut after the header timeout", async () => {
    const s = await startServer(timeouts);
    const socket = await socketTo(s.port);
    const ms = await closedWithin(socket, 5_000);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(2_000);
  });

  it("a slow body is cut after the request timeout", async () => {
    const s = await startServer(timeouts);
    const socket = await socketTo(s.port);
    const closed = closedWithin(socket, 5_000);
    socket.write("POST /webhooks/tokopedia/main HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n");
    drip(socket, "b".repeat(10_000));
    const ms = await closed;
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(3_000);
    expect(await healthy(s.port)).toBe(true);
  });

  it("connections beyond maxConnections are closed at once; a freed slot is usable again", async () => {
    const s = await startServer({ maxConnections: 3, headersTimeoutMs: 20_000, requestTimeoutMs: 30_000 });
    const held = [await socketTo(s.port), await socketTo(s.port), await socketTo(s.port)];
    const extra = await socketTo(s.port);
    const ms = await closedWithin(extra, 3_000);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(1_000);
    held[0]!.destroy();
    // The server notices the close asynchronously; retry until the freed slot is taken.
    let ok = false;
    const deadline = Date.now() + 3_000;
    while (!ok && Date.now() < deadline) ok = await healthy(s.port);
    expect(ok).toBe(true);
  });

  it("has sane defaults: header timeout within seconds and a connection cap", async () => {
    const s = await startServer();
    expect(s.server.headersTimeout).toBeLessThanOrEqual(10_000);
    expect(s.server.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(s.server.requestTimeout).toBeGreaterThan(0);
    expect(s.server.keepAliveTimeout).toBeGreaterThan(0);
    expect(s.server.maxConnections).toBe(1024);
  });
});
