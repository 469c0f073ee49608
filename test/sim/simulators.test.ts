/**
 * The three simulators share one way to inject faults and one request log (the simulator base): the same
 * `failNext(n, fault)` call fails a Tokopedia, TikTok Shop or Kommo request with the platform's own error body, only
 * on the host it names; `dropNext` cuts the connection; every request is logged with its host and status. The
 * testbeds set the platforms' webhooks through the simulators' control API, not through requests of their own.
 */
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { SimFault } from "../../src/sim/base/index.js";
import { startKommoSimulator } from "../../src/sim/kommo/index.js";
import { startTikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { startTokopediaSim } from "../../src/sim/tokopedia/index.js";
import { startTikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { startTestbed, TESTBED_WEBHOOK_SECRET } from "../../src/testbed/tokopedia.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

const get = async (url: string) => {
  const r = await request(url);
  return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
};

/** The one fault every simulator takes: a 503 on its API host, once. */
const fault = <H extends string>(host: H): SimFault<H> => ({ status: 503, host });

describe("one fault shape for the three simulators", () => {
  it("Tokopedia: the Seller API answers the injected 503 with an envelope-A error; /token is untouched", async () => {
    const sim = await startTokopediaSim();
    closers.push(() => sim.close());
    sim.failNext(1, fault("fs"));
    const token = await get(`${sim.authUrl}/token`);
    expect(token.status).toBe(405);
    const failed = await get(`${sim.apiUrl}/v1/chat/fs/13004/messages?shop_id=1`);
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.body)).toMatchObject({
      header: { reason: "simulated failure", error_code: "503" },
    });
    expect((await get(`${sim.apiUrl}/v1/chat/fs/13004/messages?shop_id=1`)).status).toBe(401);
    expect(sim.requests().map((r) => [r.host, r.status])).toEqual([
      ["token", 405],
      ["fs", 503],
      ["fs", 401],
    ]);
  });

  it("TikTok Shop: the Open API answers the injected 503 with a non-JSON body; the auth host is untouched", async () => {
    const sim = await startTikTokShopSim();
    closers.push(() => sim.close());
    sim.failNext(1, fault("api"));
    expect((await get(`${sim.url}/api/v2/token/get`)).status).toBe(200);
    const failed = await get(`${sim.url}/authorization/202309/shops`);
    expect(failed).toMatchObject({ status: 503, body: "<html>upstream error</html>" });
    const unsigned = await get(`${sim.url}/authorization/202309/shops`);
    expect(JSON.parse(unsigned.body)).toMatchObject({ code: 36009004 });
    expect(sim.calls().map((c) => [c.host, c.status, c.code])).toEqual([
      ["auth", 200, 36009004],
      ["api", 503, -1],
      ["api", 401, 36009004],
    ]);
  });

  it("Kommo: REST answers the injected 503 with problem JSON; amojo is untouched", async () => {
    const sim = await startKommoSimulator();
    closers.push(() => sim.close());
    sim.failNext(1, fault("rest"));
    expect((await get(`${sim.url}/v2/origin/custom/nope/chats`)).status).toBe(404);
    const failed = await get(`${sim.url}/api/v4/account`);
    expect(failed.status).toBe(503);
    expect(failed.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(failed.body)).toMatchObject({ title: "Injected", status: 503 });
    expect((await get(`${sim.url}/api/v4/account`)).status).toBe(401);
    expect(sim.requestLog().map((r) => [r.host, r.status])).toEqual([
      ["amojo", 404],
      ["rest", 503],
      ["rest", 401],
    ]);
  });

  it("dropNext cuts the connection in each, and the log says so (-1)", async () => {
    const tkp = await startTokopediaSim();
    const tts = await startTikTokShopSim();
    const kommo = await startKommoSimulator();
    closers.push(
      () => tkp.close(),
      () => tts.close(),
      () => kommo.close(),
    );
    tkp.dropNext(1);
    tts.dropNext(1);
    kommo.dropNext(1, { host: "rest" });
    await expect(request(`${tkp.apiUrl}/v1/fs/13004`)).rejects.toThrow();
    await expect(request(`${tts.url}/authorization/202309/shops`)).rejects.toThrow();
    await expect(request(`${kommo.url}/api/v4/account`)).rejects.toThrow();
    expect(tkp.requests().at(-1)?.status).toBe(-1);
    expect(tts.calls().at(-1)?.status).toBe(-1);
    expect(kommo.requestLog().at(-1)?.status).toBe(-1);
  });
});

describe("testbeds set the platforms' webhooks through the simulators' control API", () => {
  it("Tokopedia: connectDaemon sets the chat webhook and its secret without a request to the simulator", async () => {
    const bed = await startTestbed();
    closers.push(() => bed.close());
    const before = bed.tokopedia.requests().length;
    await bed.connectDaemon("http://127.0.0.1:9");
    expect(bed.tokopedia.webhookConfig()).toMatchObject({
      urls: { chat_notification_url: "http://127.0.0.1:9/webhooks/tokopedia/main" },
      secret: TESTBED_WEBHOOK_SECRET,
    });
    expect(bed.tokopedia.requests().slice(before)).toEqual([]);
  });

  it("TikTok Shop: connectDaemon sets the webhook URL without a request to the simulator", async () => {
    const bed = await startTikTokShopTestbed();
    closers.push(() => bed.close());
    const before = bed.tiktokshop.calls().length;
    await bed.connectDaemon("http://127.0.0.1:9");
    expect(bed.tiktokshop.calls().slice(before)).toEqual([]);
  });
});
