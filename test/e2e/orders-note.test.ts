/**
 * Orders on the lead, end to end over real HTTP: TikTok Shop simulator -> daemon -> Kommo simulator. The first
 * buyer message of a conversation makes the lead and ONE orders note on it; an order status webhook edits that note
 * (no second note); a buyer message after the quiet spell edits it again with a newer order, and, the lead having
 * left the incoming stage meanwhile, sets its sale value to the latest open order's total. Without the Order
 * scope: one warning, no note, chat unaffected. Legacy Tokopedia (no order API): the invoice codes the buyer shares
 * in chat are listed on one note.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts): the daemon's retries, acceptance checks and
 * coalescing windows run on the fake clock, so each case takes the time its HTTP takes.
 */
import { describe, expect, it } from "vitest";
import { statusCommand } from "../../src/cli/commands/status.js";
import type { Config } from "../../src/config/schema.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { blockStateLocation, STATE_BACKENDS } from "../helpers/state-backends.js";

const ORDER_SCOPES = ["seller.authorization.info", "seller.customer_service", "seller.order.info"];
let bed: TikTokShopTestbed | undefined;
let daemon: RunningDaemon | undefined;
const warnings: Array<{ msg: string; details?: Record<string, unknown> }> = [];

const fakeTime = daemonFakeTimeEachTest(async () => {
  await stopDaemonAndBed(daemon, bed);
  daemon = undefined;
  bed = undefined;
  warnings.length = 0;
});
const { fake: time, cleanup, waitFor, settle, settleAtRealPace } = fakeTime;

/** The state location of the test's daemon (status reads it there, not the config file's). */
let statePathNow = "";
/** Where the daemon of a test keeps its state (the describe's backend). */
const stateLocation = blockStateLocation();

async function start(
  withOrderScope: boolean,
  leadAcceptanceCheckMs?: number,
  shopSettings?: Record<string, unknown>,
): Promise<TikTokShopTestbed> {
  bed = await settle(
    startTikTokShopTestbed({ mode: "webhook", ...(shopSettings ? { shopSettings } : {}) }),
    "the testbed",
  );
  if (withOrderScope) bed.tiktokshop.setScopes(bed.openId, ORDER_SCOPES);
  const statePath = await stateLocation.ofAtRealPace(bed, settleAtRealPace);
  statePathNow = statePath;
  const config: Config = { ...bed.config, statePath, orders: { enabled: true, quietHours: 6, days: 90 } };
  daemon = await settle(
    startDaemon({
      config,
      port: 0,
      engine: {
        baseRetryMs: 50,
        maxRetryMs: 500,
        ...(leadAcceptanceCheckMs !== undefined ? { leadAcceptanceCheckMs } : {}),
      },
      log: (level, msg, details) => {
        if (level === "warn") warnings.push({ msg, ...(details ? { details } : {}) });
      },
    }),
    "the daemon to start",
  );
  await settle(bed.connectDaemon(daemon.url));
  return bed;
}

const orderSearches = (b: TikTokShopTestbed) =>
  b.tiktokshop.calls().filter((c) => c.path === "/order/202309/orders/search");

async function buyerWritesAndArrives(b: TikTokShopTestbed, buyerId: string, text: string) {
  const sent = b.tiktokshop.buyerSends(b.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
  await waitFor(`"${text}" in Kommo`, () =>
    b.kommo.received(b.scopeId).find((m) => m.direction === "in" && m.text === text),
  );
  return sent;
}

describe.each(STATE_BACKENDS)("orders note on the lead, state in $name", (backend) => {
  stateLocation.use(backend);
  it("a lead accepted after its note was written gets its sale value without another buyer message", async () => {
    const b = await start(true, 200);
    b.tiktokshop.orders.add(b.shopId, "9101", { items: [{ name: "Topi", quantity: 1, price: "25000" }] });
    await buyerWritesAndArrives(b, "9101", "Halo kak, topinya ready?");
    const note = await waitFor("the orders note", () => b.kommo.notes()[0]);
    await time().until("the lead pending", async () => (await daemon!.state.pendingLeads.count()) === 1);
    // Every job done (the note's refresh found the lead incoming and wrote no value) before the manager accepts.
    await time().until("the queue drained", async () =>
      (await daemon!.state.engineStore.jobCounts()).every((c) => c.pending === 0 && c.running === 0),
    );
    expect(b.kommo.leads().find((l) => l.id === note.leadId)).toMatchObject({ status: "incoming" });
    expect(b.kommo.leads().find((l) => l.id === note.leadId)?.price).toBeUndefined();
    b.kommo.acceptLead(note.leadId);
    await waitFor(
      "the lead's sale value",
      () => b.kommo.leads().find((l) => l.id === note.leadId)?.price === 35000,
    );
    expect(b.kommo.notes()).toHaveLength(1);
    expect(b.kommo.incomingLeadWrites()).toEqual([]);
  });

  it("an autoAccept shop's lead gets its sale value once the bridge accepted it", async () => {
    const b = await start(true, undefined, { autoAccept: true });
    b.tiktokshop.orders.add(b.shopId, "9201", { items: [{ name: "Topi", quantity: 1, price: "25000" }] });
    await buyerWritesAndArrives(b, "9201", "Halo kak, bisa kirim hari ini?");
    const note = await waitFor("the orders note", () => b.kommo.notes()[0]);
    await waitFor(
      "the lead's sale value",
      () => b.kommo.leads().find((l) => l.id === note.leadId)?.price === 35000,
    );
    expect(b.kommo.leads().find((l) => l.id === note.leadId)).toMatchObject({ leftIncomingBy: "accept" });
    expect(b.kommo.incomingLeadWrites()).toEqual([]);
  });

  it("a status change while the first note is still being written is not lost: the note is edited after it", async () => {
    const b = await start(true);
    const sim = b.tiktokshop;
    const order = sim.orders.add(b.shopId, "9001", {
      items: [{ name: "Kaos", quantity: 1, price: "60000" }],
    });
    // Kommo REST answers 2 s (of fake time) late: the refresh has read the orders and is still writing the note
    // when the order's status changes.
    b.kommo.latency(2_000, "rest");
    await buyerWritesAndArrives(b, "9001", "Kak, kapan dikirim?");
    await waitFor("the note's creation on its way to Kommo", () =>
      b.kommo.requestLog().some((r) => r.method === "POST" && /^\/api\/v4\/leads\/\d+\/notes$/.test(r.path)),
    );
    sim.orders.setStatus(order, "IN_TRANSIT", { trackingNumber: "JX0099", carrier: "J&T Express" });
    await waitFor("the note edited with the tracking number", () =>
      b.kommo.notes().some((n) => String(n.params.text).includes("Tracking: JX0099 (J&T Express)")),
    );
    expect(b.kommo.notes()).toHaveLength(1);
  });

  it("is created on a new lead, and edited (never duplicated) on a status change and after a quiet spell", async () => {
    const b = await start(true);
    const sim = b.tiktokshop;
    const first = sim.orders.add(b.shopId, "9001", {
      daysAgo: 3,
      items: [{ name: "Kaos Merah L", quantity: 2, price: "60000" }],
      shippingFee: "9000",
    });
    sim.orders.add(b.shopId, "9002", { daysAgo: 1 }); // another buyer's order: never on this note
    await buyerWritesAndArrives(b, "9001", "Kak, pesanan saya sudah dikirim?");
    const note = await waitFor("the orders note", () =>
      b.kommo.notes().find((n) => n.params.text?.toString().includes(first)),
    );
    const text = String(note.params.text);
    expect(text).toContain("AWAITING_SHIPMENT, IDR 129.000");
    expect(text).toContain("Kaos Merah L × 2");
    expect(text).toContain(`order_no=${first}&shop_region=ID`);
    const lead = b.kommo.leads().find((l) => l.id === note.leadId)!;
    // The note is not a write to the lead: the price is not set by the bridge.
    // The note is not a write to the lead, and the lead is still incoming: no sale value, still incoming.
    expect(lead.price).toBeUndefined();
    expect(lead.status).toBe("incoming");

    sim.orders.setStatus(first, "IN_TRANSIT", { trackingNumber: "JX0012345", carrier: "J&T Express" });
    await waitFor("the note edited with the tracking number", () =>
      String(b.kommo.notes().find((n) => n.id === note.id)?.params.text).includes(
        "Tracking: JX0012345 (J&T Express)",
      ),
    );
    expect(b.kommo.notes()).toHaveLength(1);

    // A message soon after: no new look at the orders.
    const searches = orderSearches(b).length;
    await buyerWritesAndArrives(b, "9001", "Oke makasih kak");
    const later = sim.orders.add(b.shopId, "9001", {
      items: [{ name: "Topi", quantity: 1, price: "25000" }],
    });
    // Still incoming after the status change: no price was written, the lead is still incoming.
    expect(b.kommo.leads().find((l) => l.id === lead.id)).toMatchObject({ status: "incoming" });
    expect(b.kommo.leads().find((l) => l.id === lead.id)?.price).toBeUndefined();
    b.kommo.acceptLead(lead.id); // a manager takes the lead out of incoming
    sim.advanceClock(7 * 3_600_000);
    await buyerWritesAndArrives(b, "9001", "Kak, mau pesan lagi");
    await waitFor("the note edited with the newer order", () =>
      String(b.kommo.notes().find((n) => n.id === note.id)?.params.text).includes(later),
    );
    const after = String(b.kommo.notes()[0]!.params.text);
    expect(after.indexOf(later)).toBeLessThan(after.indexOf(first)); // newest first
    expect(b.kommo.notes()).toHaveLength(1);
    expect(b.kommo.notes()[0]!.edits).toBe(2);
    expect(orderSearches(b).length).toBe(searches + 1);
    // Once out of incoming, the lead without a value gets the latest open order's total (25,000 + 10,000 shipping).
    await waitFor(
      "the lead's sale value",
      () => b.kommo.leads().find((l) => l.id === lead.id)?.price === 35000,
    );
    // Order calls are counted in the state file and shown by `status` (not as Customer Service calls).
    const status = await settle(
      statusCommand({ state: statePathNow }, { config: b.configPath }),
      "tokokommo status",
    );
    const line = (status.json as { shops: Array<{ orderCallsToday?: number; quota?: { used: number } }> })
      .shops[0]!;
    expect(line.orderCallsToday).toBe(orderSearches(b).length);
    expect(status.text).toContain(`order calls tiktokshop:${b.shopId} today: ${orderSearches(b).length}`);
  });

  it("without the Order scope: one warning, no note, chat unaffected", async () => {
    const b = await start(false);
    b.tiktokshop.orders.add(b.shopId, "9101");
    await buyerWritesAndArrives(b, "9101", "Halo kak");
    await waitFor("the scope warning", () =>
      warnings.find((w) => w.details?.code === "TK_ERR_TIKTOKSHOP_SCOPE_MISSING"),
    );
    await buyerWritesAndArrives(b, "9102", "Permisi, ready?");
    const sent = b.tiktokshop.buyerSends(b.shopId, { id: "9103", name: "Buyer 9103" }, "Masih ada?");
    await waitFor("third chat in Kommo", () =>
      b.kommo.received(b.scopeId).find((m) => m.conversationId.endsWith(sent.conversationId)),
    );
    expect(warnings.filter((w) => w.details?.code === "TK_ERR_TIKTOKSHOP_SCOPE_MISSING")).toHaveLength(1);
    expect(orderSearches(b)).toHaveLength(1);
    expect(b.kommo.notes()).toHaveLength(0);
    expect(b.kommo.leads().length).toBeGreaterThanOrEqual(3);
  });
});

describe("legacy Tokopedia: invoices shared in chat on the lead's note", () => {
  it("lists each invoice code once in one note, and makes no note for a chat without invoices", async () => {
    const t: Testbed = await settle(startTestbed({ mode: "webhook" }), "the testbed");
    cleanup.push(() => t.close());
    const shopId = t.shops[0]!.shopId;
    daemon = await settle(
      startDaemon({ config: t.config, port: 0, engine: { baseRetryMs: 50, maxRetryMs: 500 } }),
      "the daemon to start",
    );
    await settle(t.connectDaemon(daemon.url));
    const invoice = (code: string) => ({
      kind: "invoice" as const,
      code,
      total: "Rp118.000",
      status: "Menunggu Pembayaran",
      url: "https://www.tokopedia.com/invoice/3541",
    });
    const arrived = (n: number) =>
      waitFor(`${n} messages in Kommo`, () => {
        const m = t.kommo.received(t.scopeId).filter((x) => x.direction === "in");
        return m.length >= n ? m : undefined;
      });
    await settle(t.tokopedia.buyerSends(shopId, "7101", "Halo kak", { buyerName: "Tanpa Invoice" }));
    await settle(t.tokopedia.buyerSends(shopId, "7102", "Kak, pesanan ini?", { buyerName: "Sari" }));
    await arrived(2);
    await settle(
      t.tokopedia.buyerSends(shopId, "7102", invoice("INV/20261128/MPL/3541"), { buyerName: "Sari" }),
    );
    const note = await waitFor("the invoice note", () =>
      t.kommo.notes().find((n) => String(n.params.text).includes("INV/20261128/MPL/3541")),
    );
    await settle(
      t.tokopedia.buyerSends(shopId, "7102", invoice("INV/20261201/MPL/3600"), { buyerName: "Sari" }),
    );
    await settle(
      t.tokopedia.buyerSends(shopId, "7102", invoice("INV/20261128/MPL/3541"), { buyerName: "Sari" }),
    );
    await waitFor("the second invoice on the same note", () =>
      String(t.kommo.notes().find((n) => n.id === note.id)?.params.text).includes("INV/20261201/MPL/3600"),
    );
    await arrived(5);
    const notes = t.kommo.notes();
    expect(notes).toHaveLength(1);
    expect(String(notes[0]!.params.text).match(/INV\/20261128\/MPL\/3541/g)).toHaveLength(1);
  });
});
