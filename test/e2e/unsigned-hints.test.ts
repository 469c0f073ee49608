/**
 * A Tokopedia app without a webhook secret: its webhooks arrive unsigned, so anyone who can reach the URL can send
 * one. Such a hint may only make the bridge read a room: the buyer's name, avatar and the messages come from the
 * API, and the rooms it can create are bounded per app and minute (beyond that only a sweep finds new rooms). On
 * both state backends.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { UNSIGNED_NEW_ROOMS_PER_MINUTE } from "../../src/bridge/mark-room.js";
import { RETRY_BUDGET } from "../../src/store/index.js";
import { startTestbed } from "../../src/testbed/tokopedia.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { countRowsIn, deadJobsIn } from "../helpers/state-rows.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

// The backends' blocks run side by side (each on its own testbed, simulators, daemon and state), their tests in
// order: most of a block's time is waiting (the 300 hints' reads at Tokopedia's 5 requests per second).
describe.concurrent.each(STATE_BACKENDS)("unsigned hints, state in $name", (backend) => {
  let shopId: string;

  const block = connectedDaemonPerBlock(
    backend,
    () => startTestbed({ mode: "webhook", webhookSecret: null }),
    {
      engine: { maxRetryMs: 200 },
    },
  );
  beforeAll(() => {
    shopId = block.bed.shops[0]!.shopId;
  });

  /** An unsigned chat webhook as anyone could post it (Tokopedia's shape, no Authorization-Hmac). */
  async function postHint(fields: { msgId: string; buyerId?: string; name?: string; thumbnail?: string }) {
    const body = {
      msg_id: Number(fields.msgId),
      buyer_id: Number(fields.buyerId ?? 1),
      user_id: Number(fields.buyerId ?? 1),
      shop_id: Number(shopId),
      full_name: fields.name ?? "Someone",
      thumbnail: fields.thumbnail ?? "",
      message: "halo",
      payload: { attachment_type: 0 },
    };
    const res = await fetch(`${block.daemon.url}/webhooks/tokopedia/main`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.status;
  }

  const inKommo = (text: string) =>
    waitFor(`"${text}" in Kommo`, () =>
      block.bed.kommo.received(block.bed.scopeId).find((m) => m.text === text),
    );

  const BUDI = { buyerName: "Budi Asli", thumbnail: "https://images.tokopedia.net/budi.png" };
  const FORGED = { name: "Hacker Palsu", thumbnail: "https://tracker.example/pixel.png" };

  it.sequential("an unsigned hint with a forged buyer cannot rename an existing room's buyer", async () => {
    const first = await block.bed.tokopedia.buyerSends(shopId, "5101", "Halo kak", BUDI);
    const m1 = await inKommo("Halo kak");
    expect(m1.sender.name).toBe("Budi Asli");
    // The buyer writes again, and the first hint about it is the forged one (Tokopedia's own is not sent).
    block.bed.tokopedia.setWebhookDelivery(false);
    try {
      await block.bed.tokopedia.buyerSends(shopId, "5101", "Masih ada stok?", BUDI);
    } finally {
      block.bed.tokopedia.setWebhookDelivery(true);
    }
    expect(await postHint({ msgId: first.msgId, buyerId: "5101", ...FORGED })).toBe(200);
    const m2 = await inKommo("Masih ada stok?");
    expect(m2.sender.name).toBe("Budi Asli");
    expect(m2.sender.avatar).toBe("https://images.tokopedia.net/budi.png");
    const room = await block.daemon.state.engineStore.getRoom({
      source: "tokopedia",
      shopId,
      roomId: first.msgId,
    });
    expect(room?.buyerName).toBe("Budi Asli");
  });

  it.sequential("a room first made known by a forged unsigned hint gets its buyer from the API", async () => {
    block.bed.tokopedia.setWebhookDelivery(false);
    try {
      const sent = await block.bed.tokopedia.buyerSends(shopId, "5102", "Permisi, mau tanya", {
        buyerName: "Citra Asli",
        thumbnail: "https://images.tokopedia.net/citra.png",
      });
      expect(await postHint({ msgId: sent.msgId, buyerId: "5102", ...FORGED })).toBe(200);
      const m = await inKommo("Permisi, mau tanya");
      expect(m.sender.name).toBe("Citra Asli");
      expect(m.sender.avatar).toBe("https://images.tokopedia.net/citra.png");
      // The forged hint's own text ("halo") was not kept as a fallback either.
      expect(block.bed.kommo.received(block.bed.scopeId).filter((x) => x.text === "halo")).toEqual([]);
    } finally {
      block.bed.tokopedia.setWebhookDelivery(true);
    }
  });

  it.sequential("300 unsigned hints for made-up rooms create at most the bound and cost a bounded number of API calls", async () => {
    const rooms = () => countRowsIn(block.statePath, "rooms");
    const roomsBefore = await rooms();
    const callsBefore = block.bed.tokopedia.requests().length;
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      statuses.push(await postHint({ msgId: String(9_000_000_000 + i), buyerId: String(700_000 + i) }));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await rooms()) - roomsBefore).toBeLessThanOrEqual(UNSIGNED_NEW_ROOMS_PER_MINUTE);
    await waitForAsync("the queue drained", async () =>
      (await block.daemon.state.engineStore.jobCounts()).every((c) => c.pending === 0 && c.running === 0),
    );
    // One read per room the bound let in (the platform does not know them), plus a token call or two. Reads that
    // Tokopedia's 5/s limit turned away (429) are retried after its Retry-After: counted apart, and bounded by the
    // jobs' retry budget.
    const calls = block.bed.tokopedia.requests().slice(callsBefore);
    const answered = calls.filter((c) => c.status !== 429);
    expect(answered.length).toBeLessThanOrEqual(UNSIGNED_NEW_ROOMS_PER_MINUTE + 2);
    expect(calls.length).toBeLessThanOrEqual(RETRY_BUDGET * UNSIGNED_NEW_ROOMS_PER_MINUTE + 2);
    // A made-up room is not the shop's failure: the shop stays healthy, and nothing is left dead.
    expect(await deadJobsIn(block.statePath)).toEqual([]);
    const status = (await block.daemon.state.listShopStatus()).find((s) => s.shopId === shopId);
    expect(status?.healthy).toBe(true);
    // A real buyer's new room is still served (by its own signed-or-not hint, within the next minute's bound or by
    // a sweep); existing rooms are never limited.
    await block.bed.tokopedia.buyerSends(shopId, "5101", "Pesan setelah serangan", BUDI);
    await inKommo("Pesan setelah serangan");
  });
});
