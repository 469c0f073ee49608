/**
 * Job leases vs slow upstreams: a job that runs longer than its lease (slow platform, several calls, rate-limit
 * waits) must keep its lease while its worker lives. Otherwise the lease sweep hands the same job to a second
 * worker while the first is still sending: the reply job runs twice at once (duplicate sends or statuses), and
 * the lost run is counted as a failed attempt.
 */
import { describe, expect, it } from "vitest";
import { startTestbed } from "../../src/testbed/tokopedia.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { tokopediaChatInKommo } from "../helpers/tokopedia-chat.js";
import { waitFor } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("job leases, state in $name", (backend) => {
  // A lease far shorter than one upstream call (900 ms): only lease renewal keeps the job with its worker. 400 ms,
  // not less: on PostgreSQL a renewal is a round trip, which a loaded CI machine stretched past a 200 ms lease.
  const block = connectedDaemonPerBlock(backend, () => startTestbed({ mode: "webhook" }), {
    engine: { leaseMs: 400 },
  });

  it("a reply job slower than its lease runs once: one send to Tokopedia, one delivery status, no attempt lost", async () => {
    const { sent, conv } = await tokopediaChatInKommo(block.bed, "lease-buyer", "Halo, masih ada?");
    block.bed.tokopedia.latency(900);
    const before = block.bed.tokopedia.requests().length;
    const amojoId = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, {
      type: "text",
      text: "Masih kak",
    });
    await waitFor("delivery status", () => block.bed.kommo.deliveryStatuses(amojoId)[0], 15_000);
    // Count once no job is open: a second run of the reply job (its lease lost) would still be pending or running.
    await waitForMarketplaceJobsDoneIn(block.statePath, 15_000);
    block.bed.tokopedia.latency(0);
    const calls = block.bed.tokopedia.requests().slice(before);
    expect(calls.filter((c) => /\/reply$/.test(c.path))).toHaveLength(1);
    // A first attempt has nothing to check for: an earlier send cannot exist, so the room is not read.
    expect(calls.filter((c) => /\/replies$/.test(c.path))).toHaveLength(0);
    expect(block.bed.tokopedia.shopReplies(sent.msgId)).toEqual(["Masih kak"]);
    expect(block.bed.kommo.deliveryStatuses(amojoId)).toHaveLength(1);
    expect(block.bed.kommo.deliveryStatuses(amojoId)[0]!.status).toBe(1);
  }, 20_000);
});
