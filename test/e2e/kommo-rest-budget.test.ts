/**
 * Kommo REST budget, over real HTTP with the built binary and the Kommo simulator's 7 requests/s limit
 * on: (1) a daemon with lead tags to write is SIGKILLed right after a burst and restarted at once, and Kommo still
 * never sees more than 7 REST calls in any one-second window, nor a 429; (2) a chat whose incoming lead Kommo has
 * not made yet when its tag job first runs gets its tags once the lead exists.
 */
import { afterEach, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { waitFor } from "../helpers/wait.js";

let bed: Testbed | undefined;
let daemon: DaemonProcess | undefined;

afterEach(async () => {
  daemon?.child.kill("SIGKILL");
  await daemon?.exited;
  daemon = undefined;
  await bed?.close();
  bed = undefined;
});

const restCalls = (b: Testbed) => b.kommo.requestLog().filter((r) => r.host === "rest");
const tagged = (b: Testbed) => b.kommo.leads().filter((l) => l.tags.includes("kommo-store"));

it("SIGKILL right after a burst of lead-tag calls and an immediate restart: at most 7 REST calls in any second, no 429", async () => {
  const ROOMS = 16;
  // autoAccept: the bridge accepts each incoming lead itself and tags it at once (no manager in this test).
  bed = await startTestbed({
    mode: "webhook",
    kommo: { rateLimit: { rps: 7, windowMs: 1000 } },
    shopSettings: { autoAccept: true },
  });
  const b = bed;
  const shopId = b.shops[0]!.shopId;
  const port = await freePort();
  daemon = await spawnDaemon(b.configPath, port);
  await b.connectDaemon(daemon.url);
  for (let i = 0; i < ROOMS; i++) {
    await b.tokopedia.buyerSends(shopId, `budget-buyer-${i}`, `halo ${i}`, { buyerName: `Buyer ${i}` });
  }
  // Each room's tag job takes several calls (chat link, contact, lead, accept, tags); the limiter lets them out in
  // bursts of 7.
  // Kill just after the second burst, when the old process has spent the whole budget of its last second.
  await waitFor("a second burst of REST calls", () => restCalls(b).length >= 14, 20_000);
  let seen = restCalls(b).length;
  let quietSince = Date.now();
  await waitFor(
    "the burst to end",
    () => {
      const n = restCalls(b).length;
      if (n !== seen) {
        seen = n;
        quietSince = Date.now();
      }
      return Date.now() - quietSince >= 30;
    },
    5_000,
  );
  daemon.child.kill("SIGKILL");
  expect((await daemon.exited).signal).toBe("SIGKILL");
  const beforeRestart = restCalls(b).length;
  daemon = await spawnDaemon(b.configPath, port);

  await waitFor(
    "the restarted daemon's first two bursts (or a 429)",
    () => restCalls(b).length >= beforeRestart + 14 || restCalls(b).some((r) => r.status === 429),
    20_000,
  );
  expect(restCalls(b).filter((r) => r.status === 429 || r.status === 403)).toEqual([]);
  expect(b.kommo.maxRequestsInWindow({ host: "rest", windowMs: 1000 })).toBeLessThanOrEqual(7);

  await waitFor("every room's lead tagged", () => tagged(b).length >= ROOMS, 30_000);
  expect(restCalls(b).filter((r) => r.status === 429 || r.status === 403)).toEqual([]);
  expect(b.kommo.maxRequestsInWindow({ host: "rest", windowMs: 1000 })).toBeLessThanOrEqual(7);
}, 90_000);

it("a chat whose incoming lead does not exist yet when its tag job first runs is tagged once the lead exists", async () => {
  bed = await startTestbed({ mode: "webhook", shopSettings: { autoAccept: true } });
  const b = bed;
  const shopId = b.shops[0]!.shopId;
  const port = await freePort();
  daemon = await spawnDaemon(b.configPath, port);
  await b.connectDaemon(daemon.url);
  b.kommo.holdIncomingLeads();
  await b.tokopedia.buyerSends(shopId, "late-lead-buyer", "halo, masih ada?", { buyerName: "Late Lead" });
  await waitFor("the message in Kommo", () => b.kommo.received(b.scopeId).length >= 1);
  // The tag job ran and asked which contact owns the chat: nobody yet.
  await waitFor("the tag job's first look", () =>
    restCalls(b).some((r) => r.path === "/api/v4/contacts/chats" && r.status === 204),
  );
  expect(b.kommo.leads()).toEqual([]);

  b.kommo.releaseIncomingLeads();
  const lead = await waitFor("the new lead tagged", () => tagged(b)[0], 20_000);
  expect(lead.tags).toEqual(expect.arrayContaining(["kommo-store", "Tokopedia"]));
  expect(b.kommo.leads()).toHaveLength(1);
}, 60_000);
