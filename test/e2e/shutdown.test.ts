/**
 * The built daemon under signals: SIGTERM with work in flight exits 0 within 10 s and loses nothing
 * it acknowledged; SIGKILL while a reply is on its way to Tokopedia does not make the restarted daemon post it
 * a second time (the resend check finds the first attempt's message in the room).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { waitFor } from "../helpers/wait.js";

let bed: Testbed;
let daemon: DaemonProcess | undefined;
let port: number;

beforeAll(async () => {
  bed = await startTestbed({ mode: "hybrid" });
  port = await freePort();
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

const incoming = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");

describe("signals (built binary)", () => {
  it("SIGTERM with deliveries in flight: exit 0 within 10 s; after a restart every acknowledged message arrives once", async () => {
    const shopId = bed.shops[0]!.shopId;
    daemon = await spawnDaemon(bed.configPath, port);
    await bed.connectDaemon(daemon.url);
    const amojoBefore = bed.kommo.requestLog().length;
    bed.kommo.latency(1_500, "amojo"); // every delivery to Kommo is slow: jobs are mid-flight at SIGTERM
    const texts: string[] = [];
    for (let i = 0; i < 30; i++) {
      const text = `sigterm ${i}`;
      const sent = await bed.tokopedia.buyerSends(shopId, `term-buyer-${i % 6}`, text);
      expect(sent.deliveries.map((d) => d.status)).toEqual([200]); // acknowledged
      texts.push(text);
    }
    await waitFor("a delivery in flight", () =>
      bed.kommo
        .requestLog()
        .slice(amojoBefore)
        .some((r) => r.host === "amojo"),
    );
    const started = Date.now();
    daemon.child.kill("SIGTERM");
    const end = await daemon.exited;
    const ms = Date.now() - started;
    expect(end).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(10_000);
    expect(daemon.output()).toContain("shutting down");
    expect(incoming().length).toBeLessThan(texts.length); // work really was cut short

    bed.kommo.latency(0, "amojo");
    daemon = await spawnDaemon(bed.configPath, port);
    await waitFor("every acknowledged message", () => incoming().length >= texts.length, 20_000);
    // Count once no sync or delivery is left in the queue: a duplicate would come from one of them.
    await waitForMarketplaceJobsDoneIn(bed.statePath, 20_000);
    expect(
      incoming()
        .map((m) => m.text)
        .sort(),
    ).toEqual([...texts].sort());
  }, 40_000);

  it("SIGKILL while a reply is being posted: the restarted daemon does not post it twice", async () => {
    const shopId = bed.shops[0]!.shopId;
    const sent = await bed.tokopedia.buyerSends(shopId, "kill-reply-buyer", "Ready stok?");
    const conv = `tkp:${shopId}:${sent.msgId}`;
    await waitFor("buyer message", () => incoming().find((m) => m.conversationId === conv), 15_000);
    bed.tokopedia.latency(1_000);
    const before = bed.tokopedia.requests().length;
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, conv, {
      type: "text",
      text: "Ready kak, silakan order",
    });
    await waitFor("the reply request reached Tokopedia", () =>
      bed.tokopedia
        .requests()
        .slice(before)
        .some((r) => /\/reply$/.test(r.path)),
    );
    daemon!.child.kill("SIGKILL");
    await daemon!.exited;
    // Tokopedia still processes the request it received: the reply is in the room, unrecorded by the bridge.
    await waitFor("reply in the room", () => bed.tokopedia.shopReplies(sent.msgId).length === 1);
    bed.tokopedia.latency(0);
    daemon = await spawnDaemon(bed.configPath, port);
    await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0], 25_000);
    expect(bed.kommo.deliveryStatuses(amojoId).map((s) => s.status)).toEqual([1]);
    expect(bed.tokopedia.shopReplies(sent.msgId)).toEqual(["Ready kak, silakan order"]);
  }, 45_000);

  it("SIGTERM while something else holds the event loop (a leaked handle): still exit 0 within 10 s", async () => {
    // A preload that leaves an interval running forever: the daemon closes everything it owns, but the process
    // would stay up after "stopped" unless serve's shutdown promise is enforced.
    const leak = "--import=data:text/javascript,setInterval(()=>{},60000)";
    daemon?.child.kill("SIGKILL"); // the previous test's daemon holds the port and the state file
    await daemon?.exited;
    daemon = await spawnDaemon(bed.configPath, port, [], { NODE_OPTIONS: leak });
    const started = Date.now();
    daemon.child.kill("SIGTERM");
    const end = await Promise.race([
      daemon.exited,
      new Promise<"still running">((r) => setTimeout(() => r("still running"), 12_000).unref()),
    ]);
    expect(end).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(daemon.output()).toContain('"msg":"stopped"');
  }, 20_000);
});
