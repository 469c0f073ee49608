/**
 * `serve` on a PostgreSQL statePath (a real throwaway server): the daemon's whole round trip — buyer message into
 * Kommo, manager reply back to Tokopedia with its delivery status — with every part of its state in the database;
 * two daemons on one database share the shops' poll sweeps (one lease holder per shop, moved at a clean stop) and
 * show up as replicas; /readyz follows the database.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { clusterView } from "../../src/cluster/index.js";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { usePostgres } from "../helpers/postgres.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

const pg = usePostgres();
let bed: Testbed | undefined;
const daemons: RunningDaemon[] = [];
let url: string;

beforeAll(async () => {
  url = await pg().createDatabase();
}, 60_000);

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await bed?.close();
  bed = undefined;
});

async function readyz(d: RunningDaemon): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${d.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe("serve on PostgreSQL", () => {
  it("a buyer's message reaches Kommo and the manager's reply reaches the buyer, with its status", async () => {
    bed = await startTestbed({ mode: "webhook" });
    const d = await startConnectedDaemon(bed, { statePath: url });
    daemons.push(d);
    expect(d.state.kind).toBe("postgres");
    const shopId = bed.shops[0]!.shopId;
    const sent = await bed.tokopedia.buyerSends(shopId, "pg-buyer", "Halo dari PostgreSQL");
    const conv = `tkp:${shopId}:${sent.msgId}`;
    await waitFor("the buyer's message in Kommo", () =>
      bed!.kommo.received(bed!.scopeId).find((m) => m.conversationId === conv),
    );
    const reply = await bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "Siap, kak" });
    await waitFor("the delivery status", () => bed!.kommo.deliveryStatuses(reply)[0]);
    expect(bed.tokopedia.shopReplies(sent.msgId)).toEqual(["Siap, kak"]);
    expect(bed.kommo.deliveryStatuses(reply).map((s) => s.status)).toEqual([1]);
    const ready = await readyz(d);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ok: true,
      checks: expect.arrayContaining([{ name: "state", ok: true }]),
    });
  }, 60_000);

  it("two daemons on one database are two replicas, each shop swept by one; a clean stop hands its shops over", async () => {
    bed = await startTestbed({ mode: "hybrid", shops: 2 });
    // Replicas tick every 200 ms (5 s in production): the share-out and the handover each wait a tick or two.
    const engine = { replicaTickMs: 200 };
    const a = await startConnectedDaemon(bed, { statePath: url, engine });
    daemons.push(a);
    const b = await startConnectedDaemon(bed, { statePath: url, engine });
    daemons.push(b);
    const coordinator = a.state.coordinator!;
    const shopKeys = bed.shops.map((s) => `tokopedia:${s.shopId}`);
    const ids = new Set<string>();
    await waitForAsync(
      "both replicas alive, each shop held by one of them, one shop each",
      async () => {
        const view = await clusterView(coordinator, Date.now());
        ids.clear();
        for (const r of view.replicas) ids.add(r.id);
        const holders = shopKeys.map((k) => view.shopHolders[k]);
        return ids.size === 2 && holders.every((h) => h && ids.has(h)) && new Set(holders).size === 2;
      },
      20_000,
    );
    // a stops cleanly: its lease and heartbeat go at once, and b takes its shop at b's next tick.
    await a.stop();
    daemons.splice(daemons.indexOf(a), 1);
    await waitForAsync(
      "b alone, holding both shops",
      async () => {
        const view = await clusterView(b.state.coordinator!, Date.now());
        const bId = view.replicas[0]?.id;
        return view.replicas.length === 1 && shopKeys.every((k) => view.shopHolders[k] === bId);
      },
      20_000,
    );
    // And b carries on alone: a message of either shop reaches Kommo.
    await bed.connectDaemon(b.url);
    const second = bed.shops[1]!.shopId;
    await bed.tokopedia.buyerSends(second, "pg-buyer-2", "Masih ada?");
    await waitFor("the message in Kommo", () =>
      bed!.kommo.received(bed!.scopeId).find((m) => m.text === "Masih ada?"),
    );
  }, 90_000);
});
