/**
 * The daemon's HTTP worker (src/net/worker-transport.ts) over real loopback HTTP: answers come back whole, network
 * failures keep undici's name/code (the clients map them as before), and a worker that dies or is closed rejects
 * what was in flight instead of leaving it hanging.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { abortDirectExchanges, directExchange, exchange, setExchange } from "../../src/net/exchange.js";
import { WorkerExchange } from "../../src/net/worker-transport.js";
import { exchange as tokopediaExchange } from "../../src/sources/tokopedia/http.js";
import { HTTP_WORKER_SCRIPT } from "../helpers/http-worker-script.js";
import { waitFor } from "../helpers/wait.js";

let server: Server;
let base: string;
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/hang") {
      hanging.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", "x-seen-method": req.method ?? "" });
      res.end(
        JSON.stringify({
          path: req.url,
          auth: req.headers.authorization,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const open: WorkerExchange[] = [];
function worker(
  script: URL = HTTP_WORKER_SCRIPT,
  onLost?: (why: string, failed: number) => void,
): WorkerExchange {
  const w = new WorkerExchange(script, onLost ? { onLost } : {});
  open.push(w);
  return w;
}
afterEach(async () => {
  setExchange(undefined);
  for (const w of open.splice(0)) await w.close();
});

/** Settles `p` or fails after `ms`: a rejection that never comes must fail the test, not hang it. */
function within<T>(p: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms)),
  ]);
}

describe("WorkerExchange", () => {
  it("returns status, headers and body of many concurrent exchanges, bodies as string or bytes", async () => {
    const w = worker();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        w.exchange({
          method: "POST",
          url: `${base}/item/${i}`,
          headers: { authorization: `Bearer t${i}`, "content-type": "application/json" },
          body: i % 2 === 0 ? `{"n":${i}}` : Buffer.from(`{"n":${i}}`),
          timeoutMs: 5_000,
        }),
      ),
    );
    answers.forEach((a, i) => {
      expect(a.status).toBe(201);
      expect(a.headers["x-seen-method"]).toBe("POST");
      expect(JSON.parse(a.text)).toEqual({ path: `/item/${i}`, auth: `Bearer t${i}`, body: `{"n":${i}}` });
    });
    expect(w.inFlight).toBe(0);
  });

  it("a timeout rejects as undici's TimeoutError, a refused connection with ECONNREFUSED", async () => {
    const w = worker();
    const slow = await within(
      w.exchange({ method: "GET", url: `${base}/hang`, headers: {}, timeoutMs: 100 }).then(
        () => undefined,
        (e: Error) => e,
      ),
    );
    expect(slow?.name).toMatch(/TimeoutError|AbortError/);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await within(
      w.exchange({ method: "GET", url: `http://127.0.0.1:${port}/`, headers: {}, timeoutMs: 2_000 }).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      ),
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { code?: string }).code).toBe("ECONNREFUSED");
  });

  it("a worker that dies rejects its exchanges in flight (retryable socket error); the next call gets a new worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tk-worker-"));
    try {
      // A worker that counts its starts in a file and dies on its first message.
      const starts = join(dir, "starts");
      const script = join(dir, "dying-worker.mjs");
      writeFileSync(
        script,
        `import { appendFileSync } from "node:fs";
         import { parentPort } from "node:worker_threads";
         appendFileSync(${JSON.stringify(starts)}, "x");
         parentPort.on("message", () => process.exit(3));`,
      );
      const lost: Array<[string, number]> = [];
      const w = worker(pathToFileURL(script), (why, failed) => lost.push([why, failed]));
      for (let round = 0; round < 2; round++) {
        const err = await within(
          w.exchange({ method: "GET", url: `${base}/x`, headers: {}, timeoutMs: 2_000 }).then(
            () => undefined,
            (e: Error & { code?: string }) => e,
          ),
        );
        expect(err?.message).toMatch(/exited \(code 3\)/);
        expect((err as { code?: string }).code).toBe("UND_ERR_SOCKET");
      }
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(starts, "utf8")).toBe("xx");
      // Each death is reported once, with the exchange it failed.
      expect(lost).toEqual([
        ["the HTTP worker exited (code 3)", 1],
        ["the HTTP worker exited (code 3)", 1],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("start() resolves once the worker takes calls, and rejects when it cannot start", async () => {
    await within(worker().start());
    const dir = mkdtempSync(join(tmpdir(), "tk-worker-"));
    try {
      const script = join(dir, "broken-worker.mjs");
      writeFileSync(script, "process.exit(4);");
      await expect(within(worker(pathToFileURL(script)).start())).rejects.toThrow(
        /exited while starting \(code 4\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a worker that stops answering (alive, timers stuck) is replaced once a call is past its timeout and grace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tk-worker-"));
    try {
      // Takes calls and never answers; reports ready like the real one.
      const script = join(dir, "mute-worker.mjs");
      writeFileSync(
        script,
        `import { parentPort } from "node:worker_threads";
         parentPort.on("message", () => {});
         parentPort.postMessage("ready");`,
      );
      const lost: Array<[string, number]> = [];
      const w = new WorkerExchange(pathToFileURL(script), {
        graceMs: 200,
        onLost: (why, failed) => lost.push([why, failed]),
      });
      open.push(w);
      await w.start();
      const started = Date.now();
      const err = await within(
        w.exchange({ method: "GET", url: `${base}/x`, headers: {}, timeoutMs: 100 }).then(
          () => undefined,
          (e: Error & { code?: string }) => e,
        ),
      );
      expect(err?.message).toMatch(/unanswered past their timeout; it was replaced/);
      expect((err as { code?: string }).code).toBe("UND_ERR_SOCKET");
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.[1]).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close() rejects what is in flight and every later call", async () => {
    const lostOnClose: string[] = [];
    const w = worker(HTTP_WORKER_SCRIPT, (why) => lostOnClose.push(why));
    const hangingBefore = hanging.length;
    const inFlight = w.exchange({ method: "GET", url: `${base}/hang`, headers: {}, timeoutMs: 10_000 });
    // In flight for real: the server holds the request.
    await waitFor("the request at the server", () => hanging.length > hangingBefore);
    await w.close();
    await expect(within(inFlight)).rejects.toThrow(/stopped/);
    expect(lostOnClose).toEqual([]); // a close is not a death
    await expect(
      w.exchange({ method: "GET", url: `${base}/x`, headers: {}, timeoutMs: 1_000 }),
    ).rejects.toThrow(/closed/);
  });

  it("setExchange routes the clients' exchange() through the worker, and back", async () => {
    const w = worker();
    let viaWorker = 0;
    setExchange((call) => {
      viaWorker++;
      return w.exchange(call);
    });
    const a = await exchange({ method: "GET", url: `${base}/routed`, headers: {}, timeoutMs: 2_000 });
    expect(JSON.parse(a.text).path).toBe("/routed");
    setExchange(undefined);
    await exchange({ method: "GET", url: `${base}/direct`, headers: {}, timeoutMs: 2_000 });
    expect(viaWorker).toBe(1);
  });

  it("a Tokopedia call with its own dispatcher (a proxy agent) stays on this thread, through that dispatcher", async () => {
    let viaSetting = 0;
    setExchange(() => {
      viaSetting++;
      return Promise.reject(new Error("must not be used"));
    });
    let dispatched = 0;
    const agent = new Agent();
    const counting = agent.compose((dispatch) => (opts, handler) => {
      dispatched++;
      return dispatch(opts, handler);
    });
    try {
      const a = await tokopediaExchange({
        method: "GET",
        url: `${base}/via-proxy`,
        headers: {},
        timeoutMs: 2_000,
        endpoint: "test",
        dispatcher: counting,
      });
      expect(JSON.parse(a.text).path).toBe("/via-proxy");
      expect(dispatched).toBe(1);
      expect(viaSetting).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it("abortDirectExchanges() ends the direct exchanges in flight at once (a daemon's shutdown)", async () => {
    const started = performance.now();
    const already = hanging.length;
    const pending = directExchange({
      method: "GET",
      url: `${base}/hang`,
      headers: {},
      timeoutMs: 60_000,
    }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    await waitFor("the call to reach the server", () => hanging.length > already);
    expect(abortDirectExchanges()).toBe(1);
    expect(await pending).toBe("AbortError");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(abortDirectExchanges()).toBe(0);
  });

  it("a wall-clock step forward does not make the watchdog replace a healthy worker", async () => {
    const lost: string[] = [];
    const w = worker(HTTP_WORKER_SCRIPT, (why) => lost.push(why));
    await w.start();
    const already = hanging.length;
    // The watchdog's timer and the wall clock are fake; the worker and the server run for real.
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    try {
      const pending = w.exchange({ method: "GET", url: `${base}/hang`, headers: {}, timeoutMs: 60_000 });
      pending.catch(() => undefined);
      await waitFor("the call to reach the server", () => hanging.length > already);
      vi.setSystemTime(Date.now() + 3_600_000); // NTP or a VM resume steps the clock an hour ahead
      vi.advanceTimersByTime(10_000); // ten watchdog rounds
    } finally {
      vi.useRealTimers();
    }
    expect(lost).toEqual([]);
    expect(w.inFlight).toBe(1);
  });
});
