/**
 * Quota accounting, end to end over real HTTP (TikTok Shop simulator with its daily quota on -> daemon
 * -> Kommo simulator): when a shop's daily Customer Service quota is spent, a waiting reply fails at once with a
 * Kommo status naming the quota and its reset, and buyer messages announced by webhook keep reaching Kommo. On both
 * state backends: the counts are read where the daemon keeps them (its state's call counts: the SQLite file, or the
 * PostgreSQL database all replicas count in), and `status` reads the same state.
 */
import { describe, expect, it, type TestContext } from "vitest";
import { statusCommand } from "../../src/cli/commands/status.js";
import { type Config, saveConfig } from "../../src/config/index.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { quotaDay } from "../../src/sources/tiktokshop/quota.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { callsDuring, replyOf, replyRefused } from "../helpers/daemon-replies.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

function withQuota(config: Config, q: { dailyCallQuota?: number; replyReserve?: number }): Config {
  return {
    ...config,
    tiktokshop: { apps: config.tiktokshop.apps.map((a) => ({ ...a, ...q })) },
  };
}

/**
 * A testbed and its daemon for one test (the tests run concurrently, each on its own), the app's quota settings
 * `q`, the state where `statePathFor` puts it; both stop when the test ends.
 */
async function start(
  ctx: TestContext,
  statePathFor: (bed: { statePath: string }) => Promise<string>,
  q: { dailyCallQuota?: number; replyReserve?: number } = {},
  mode: "webhook" | "hybrid" = "webhook",
): Promise<{ bed: TikTokShopTestbed; daemon: RunningDaemon }> {
  const bed = await startTikTokShopTestbed({ mode });
  let daemon: RunningDaemon | undefined;
  ctx.onTestFinished(() => stopDaemonAndBed(daemon, bed));
  // The config file names the daemon's state too: `status` reads it there.
  const config = { ...withQuota(bed.config, q), statePath: await statePathFor(bed) };
  saveConfig(bed.configPath, config);
  daemon = await startDaemon({
    config,
    port: 0,
    engine: { baseRetryMs: 50, maxRetryMs: 500 },
  });
  await bed.connectDaemon(daemon.url);
  return { bed, daemon };
}

// Every test on a testbed, daemon and state of its own: the blocks and their tests run concurrently (each mostly
// waits on loopback HTTP and its daemon's start).
describe.concurrent.each(STATE_BACKENDS)("TikTok Shop daily quota spent, state in $name", (backend) => {
  const statePathFor = backend.use();

  it("platform answers 45101004: the reply fails within a minute naming the quota and its reset; webhook messages keep flowing", async (ctx) => {
    const { bed, daemon } = await start(ctx, statePathFor);
    const b = bed;
    const kommoIn = () => b.kommo.received(b.scopeId).filter((m) => m.direction === "in");
    const first = b.tiktokshop.buyerSends(b.shopId, { id: "9001", name: "Buyer 9001" }, "Halo, ready?");
    const conv = `tts:${b.shopId}:${first.conversationId}`;
    await waitFor("first message in Kommo", () => kommoIn().find((m) => m.conversationId === conv));

    // The platform's quota runs out (another app on the shop spent it): every CS call is answered 45101004.
    b.tiktokshop.setQuota({ dailyQuota: 0 });
    const startedAt = Date.now();
    const amojoId = await b.kommo.managerReplies(b.scopeId, conv, { type: "text", text: "Ready kak" });
    const st = await waitFor("failed delivery status", () => b.kommo.deliveryStatuses(amojoId)[0], 60_000);
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(st.status).toBe(-1);
    expect(st.error).toMatch(/daily .*quota/i);
    expect(st.error).toMatch(/resets at \d\d:\d\d UTC/);

    // The buyer writes again: the webhook carries the message, which reaches Kommo without any read.
    b.tiktokshop.buyerSends(b.shopId, { id: "9001", name: "Buyer 9001" }, "Halo? masih ada?");
    b.tiktokshop.buyerSends(b.shopId, { id: "9001", name: "Buyer 9001" }, "Saya tunggu");
    const later = await waitFor("both later messages in Kommo", () => {
      const texts = kommoIn()
        .filter((m) => m.conversationId === conv)
        .map((m) => m.text);
      return texts.includes("Halo? masih ada?") && texts.includes("Saya tunggu") ? texts : undefined;
    });
    expect(later.indexOf("Halo? masih ada?")).toBeLessThan(later.indexOf("Saya tunggu"));
    // The count in the state says the day is spent, until the day's end.
    const day = quotaDay(Date.now());
    const count = await daemon.state.callCounts.get({ source: "tiktokshop", shopId: b.shopId }, day.start);
    expect(count.exhaustedUntil).toBe(day.end);
  }, 90_000);

  it("the bridge's own count reaches dailyCallQuota: the reply fails without calling the platform", async (ctx) => {
    const { bed, daemon } = await start(ctx, statePathFor, { dailyCallQuota: 1_000, replyReserve: 0.2 });
    const b = bed;
    const kommoIn = () => b.kommo.received(b.scopeId).filter((m) => m.direction === "in");
    const first = b.tiktokshop.buyerSends(b.shopId, { id: "9002", name: "Buyer 9002" }, "Ada ukuran L?");
    const conv = `tts:${b.shopId}:${first.conversationId}`;
    await waitFor("first message in Kommo", () => kommoIn().find((m) => m.conversationId === conv));
    const shop = { source: "tiktokshop" as const, shopId: b.shopId };
    const day = quotaDay(Date.now());
    const { used } = await daemon.state.callCounts.get(shop, day.start);
    expect(used).toBeGreaterThan(0); // the calls so far were counted
    await daemon.state.callCounts.add(shop, day.start, 1_000 - used, Date.now());

    const csCalls = await callsDuring(
      b.tiktokshop,
      (c) => c.path.startsWith("/customer_service"),
      () =>
        replyRefused(
          b,
          conv,
          { type: "text", text: "Ada kak" },
          /^Not sent: .*daily .*quota \(1,000 calls\) is used up; it resets at .*Send it again after the reset\.$/,
          60_000,
        ),
    );
    expect(csCalls).toEqual([]);
  }, 90_000);

  it("status --json reports each TikTok Shop shop's quota: used, limit, reserved, resetsAt", async (ctx) => {
    const { bed, daemon } = await start(
      ctx,
      statePathFor,
      { dailyCallQuota: 1_000, replyReserve: 0.25 },
      "hybrid",
    );
    const b = bed;
    const first = b.tiktokshop.buyerSends(b.shopId, { id: "9003", name: "Buyer 9003" }, "Ongkir berapa?");
    const conv = `tts:${b.shopId}:${first.conversationId}`;
    await waitFor("first message in Kommo", () =>
      b.kommo.received(b.scopeId).find((m) => m.conversationId === conv),
    );
    const shop = { source: "tiktokshop" as const, shopId: b.shopId };
    const day = quotaDay(Date.now());
    const { used } = await daemon.state.callCounts.get(shop, day.start);
    const status = async () => {
      const r = await statusCommand({}, { config: b.configPath });
      return r.json as {
        shops: { shopId: string; sweepIntervalMs: number | null; quota?: Record<string, unknown> }[];
      };
    };
    const line = (await status()).shops.find((s) => s.shopId === b.shopId);
    expect(line?.quota).toMatchObject({
      used,
      limit: 1_000,
      reserved: 250,
      resetsAt: new Date(day.end).toISOString(),
      state: "ok",
    });
    // A sweep's pages at a quota of 1,000 stretch the sweeps past the poll interval: SWEEP EVERY says so too.
    const stretched = line?.quota?.sweepStretchedToSeconds as number;
    expect(stretched).toBeGreaterThan(b.config.sync.pollIntervalSeconds);
    expect(line?.sweepIntervalMs).toBeGreaterThanOrEqual(stretched * 1000);
    // Past the reads' share: status says reads are stopped, and the text names it.
    await daemon.state.callCounts.add(shop, day.start, 750 - used, Date.now());
    const after = (await status()).shops.find((s) => s.shopId === b.shopId);
    expect(after?.quota).toMatchObject({ used: 750, state: "reads-stopped" });
    const text = (await statusCommand({}, { config: b.configPath })).text ?? "";
    expect(text).toMatch(/750\/1000 reads stopped \(last 250 kept for replies\)/);
    // /metrics shows the same count.
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toContain(`tokokommo_tiktokshop_quota_used_calls{shop="${b.shopId}"} 750`);
    expect(metrics).toContain(`tokokommo_tiktokshop_quota_limit_calls{shop="${b.shopId}"} 1000`);
  });

  it("a reply waiting for its retry does not hold up the buyer's next messages (replies have their own lane)", async (ctx) => {
    const { bed, daemon } = await start(ctx, statePathFor);
    const b = bed;
    const kommoIn = () => b.kommo.received(b.scopeId).filter((m) => m.direction === "in");
    const first = b.tiktokshop.buyerSends(
      b.shopId,
      { id: "9004", name: "Buyer 9004" },
      "Bisa kirim hari ini?",
    );
    const conv = `tts:${b.shopId}:${first.conversationId}`;
    await waitFor("first message in Kommo", () => kommoIn().find((m) => m.conversationId === conv));
    // Every send is refused for a while: the reply waits a minute for its retry (Retry-After).
    b.tiktokshop.failNext(1_000, {
      code: 36009002,
      status: 429,
      retryAfterSec: 60,
      method: "POST",
      pathEndsWith: "/messages",
    });
    const amojoId = await b.kommo.managerReplies(b.scopeId, conv, { type: "text", text: "Bisa kak" });
    await waitFor("the reply refused once", () =>
      b.tiktokshop
        .calls()
        .find((c) => c.method === "POST" && c.path.endsWith("/messages") && c.status === 429),
    );
    b.tiktokshop.buyerSends(b.shopId, { id: "9004", name: "Buyer 9004" }, "Jam berapa?");
    await waitFor("the buyer's next message in Kommo", () =>
      kommoIn().find((m) => m.conversationId === conv && m.text === "Jam berapa?"),
    );
    // The reply is still waiting for its retry: not sent, not failed.
    expect((await replyOf(daemon.state, amojoId))?.state).toBe("pending");
    expect(b.kommo.deliveryStatuses(amojoId)).toEqual([]);
  });
});
