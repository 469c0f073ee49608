/**
 * Job leases vs slow upstreams: a job that runs longer than its lease (slow platform, several calls, rate-limit
 * waits) must keep its lease while its worker lives. Otherwise the lease sweep hands the same job to a second
 * worker while the first is still sending: the reply job runs twice at once (duplicate sends or statuses), and
 * the lost run is counted as a failed attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { startConnectedDaemon, stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("job leases, state in $name", (backend) => {
  const statePathFor = backend.use();
  let bed: Testbed;
  let daemon: RunningDaemon;
  let statePath: string;

  beforeAll(async () => {
    bed = await startTestbed({ mode: "webhook" });
    statePath = await statePathFor(bed);
    // A lease far shorter than one upstream call (900 ms): only lease renewal keeps the job with its worker. 400 ms,
    // not less: on PostgreSQL a renewal is a round trip, which a loaded CI machine stretched past a 200 ms lease.
    daemon = await startConnectedDaemon(bed, { statePath, engine: { leaseMs: 400 } });
  });

  afterAll(() => stopDaemonAndBed(daemon, bed));

  it("a reply job slower than its lease runs once: one send to Tokopedia, one delivery status, no attempt lost", async () => {
    const shopId = bed.shops[0]!.shopId;
    const sent = await bed.tokopedia.buyerSends(shopId, "lease-buyer", "Halo, masih ada?");
    const conv = `tkp:${shopId}:${sent.msgId}`;
    await waitFor("buyer message in Kommo", () =>
      bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv),
    );
    bed.tokopedia.latency(900);
    const before = bed.tokopedia.requests().length;
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "Masih kak" });
    await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0], 15_000);
    // Count once no job is open: a second run of the reply job (its lease lost) would still be pending or running.
    await waitForMarketplaceJobsDoneIn(statePath, 15_000);
    bed.tokopedia.latency(0);
    const calls = bed.tokopedia.requests().slice(before);
    expect(calls.filter((c) => /\/reply$/.test(c.path))).toHaveLength(1);
    // A first attempt has nothing to check for: an earlier send cannot exist, so the room is not read.
    expect(calls.filter((c) => /\/replies$/.test(c.path))).toHaveLength(0);
    expect(bed.tokopedia.shopReplies(sent.msgId)).toEqual(["Masih kak"]);
    expect(bed.kommo.deliveryStatuses(amojoId)).toHaveLength(1);
    expect(bed.kommo.deliveryStatuses(amojoId)[0]!.status).toBe(1);
  }, 20_000);
});
