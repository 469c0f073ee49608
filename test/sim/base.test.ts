/**
 * Contract of the simulator base the Tokopedia, TikTok Shop and Kommo simulators run on: a free port on 127.0.0.1,
 * routes with parameters, the body limit (413), latency, injected faults and drops (before and after handling),
 * and the request log.
 */
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type SimRequestRecord, SimServer } from "../../src/sim/base/index.js";

type Host = "api" | "auth";
let sim: SimServer<Host> | undefined;
let handled: string[] = [];

async function start(bodyLimit?: number): Promise<SimServer<Host>> {
  handled = [];
  sim = new SimServer<Host>({
    hostOf: (path) => (path.startsWith("/auth/") ? "auth" : "api"),
    mainHost: "api",
    unrouted: (_req, why) => ({ status: why === "path" ? 404 : 405, body: why }),
    faultAnswer: (fault) => ({ status: fault.status ?? 500, body: "platform error" }),
    internalError: () => ({ status: 500, body: "internal" }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
  });
  sim
    .route("POST", "/items/{id}", (req) => {
      handled.push(req.params.id ?? "");
      return { status: 200, headers: { "content-type": "application/json" }, body: req.body.toString() };
    })
    .route("GET", "/auth/token", () => ({ status: 200, body: "token" }))
    .route("GET", "/boom", () => {
      throw new Error("bug");
    });
  return sim.start();
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const post = (s: SimServer<Host>, path: string, body = "{}") =>
  request(`${s.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
const get = (s: SimServer<Host>, path: string) => request(`${s.url}${path}`);
const text = async (r: Awaited<ReturnType<typeof request>>) => ({
  status: r.statusCode,
  body: await r.body.text(),
});
const statuses = (s: SimServer<Host>) => s.requests().map((r: SimRequestRecord<Host>) => r.status);

describe("simulator base", () => {
  it("listens on a free port of 127.0.0.1 and routes with parameters; unknown paths and methods go to the simulator", async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.url).not.toMatch(/:0$/);
    expect(await text(await post(s, "/items/42", '{"a":1}'))).toEqual({ status: 200, body: '{"a":1}' });
    expect(handled).toEqual(["42"]);
    expect(await text(await get(s, "/nowhere"))).toEqual({ status: 404, body: "path" });
    expect(await text(await get(s, "/items/42"))).toEqual({ status: 405, body: "method" });
    expect(await text(await get(s, "/boom"))).toEqual({ status: 500, body: "internal" });
    expect(s.requests().at(-1)?.status, "a route that throws is logged with its 500").toBe(500);
  });

  it("answers 413 to a body over the limit without handling it", async () => {
    const s = await start(16);
    const r = await post(s, "/items/1", JSON.stringify({ text: "x".repeat(64) }));
    expect(r.statusCode).toBe(413);
    await r.body.dump();
    expect(handled).toEqual([]);
    expect(await text(await post(s, "/items/2", "{}"))).toEqual({ status: 200, body: "{}" });
  });

  it("delays answers by the set latency, per host or for all", async () => {
    const s = await start();
    s.latency(150, "auth");
    let t0 = performance.now();
    await text(await get(s, "/auth/token"));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    t0 = performance.now();
    await text(await post(s, "/items/1"));
    expect(performance.now() - t0).toBeLessThan(140);
    s.latency(0);
    t0 = performance.now();
    await text(await get(s, "/auth/token"));
    expect(performance.now() - t0).toBeLessThan(140);
  });

  it("failNext answers the next matching requests with the fault, on the main host by default", async () => {
    const s = await start();
    s.failNext(2, { status: 503 });
    expect(await text(await get(s, "/auth/token"))).toEqual({ status: 200, body: "token" });
    expect(await text(await post(s, "/items/1"))).toEqual({ status: 503, body: "platform error" });
    s.failNext(1, { status: 429, body: { error: "slow down" }, retryAfterSec: 3, host: "auth" });
    const limited = await get(s, "/auth/token");
    expect(limited.headers["retry-after"]).toBe("3");
    expect(await text(limited)).toEqual({ status: 429, body: '{"error":"slow down"}' });
    expect(await text(await post(s, "/items/2"))).toEqual({ status: 503, body: "platform error" });
    expect(await text(await post(s, "/items/3"))).toEqual({ status: 200, body: "{}" });
    expect(handled).toEqual(["3"]);
    expect(() => s.failNext(0, { status: 500 })).toThrow(RangeError);
    expect(() => s.dropNext(1.5)).toThrow(RangeError);
  });

  it("failNext matches method and path ending and lets `skip` requests through first", async () => {
    const s = await start();
    s.failNext(1, { status: 500, method: "POST", pathEndsWith: "/7", skip: 1 });
    expect((await text(await post(s, "/items/1"))).status).toBe(200);
    expect((await text(await post(s, "/items/7"))).status).toBe(200);
    expect((await text(await post(s, "/items/7"))).status).toBe(500);
    expect((await text(await post(s, "/items/7"))).status).toBe(200);
  });

  it("dropNext cuts the connection before handling, or after it (the state changed, the answer is lost)", async () => {
    const s = await start();
    s.dropNext(1);
    await expect(post(s, "/items/1")).rejects.toThrow();
    expect(handled).toEqual([]);
    s.dropNext(1, { afterProcessing: true });
    await expect(post(s, "/items/2")).rejects.toThrow();
    expect(handled).toEqual(["2"]);
    const log = s.requests();
    expect(log.map((r) => [r.method, r.path, r.host, r.status, r.lostAnswer])).toEqual([
      ["POST", "/items/1", "api", -1, undefined],
      ["POST", "/items/2", "api", -1, 200],
    ]);
  });

  it("logs every request in arrival order with host, method, path, status and time", async () => {
    const s = await start();
    const before = Date.now();
    await text(await post(s, "/items/1"));
    await text(await get(s, "/auth/token"));
    await text(await get(s, "/nowhere?x=1"));
    expect(statuses(s)).toEqual([200, 200, 404]);
    expect(s.requests().map((r) => `${r.host} ${r.method} ${r.path}`)).toEqual([
      "api POST /items/1",
      "auth GET /auth/token",
      "api GET /nowhere",
    ]);
    for (const r of s.requests()) expect(r.at).toBeGreaterThanOrEqual(before);
  });
});
