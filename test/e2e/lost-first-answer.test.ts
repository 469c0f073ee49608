/**
 * A chat's first message reaches Kommo, but Kommo's answer is lost (the connection resets after amojo stored it):
 * the retry is refused as a repeated msgid and carries no chat id. The lead must still be tagged, exactly once:
 * the bridge asks Kommo for the chat of the conversation, or, when that fails too, tags on a later delivery. On both
 * state backends.
 */
import { describe, expect, it } from "vitest";
import { startTikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("a lost first answer, state in $name", (backend) => {
  // autoAccept: the bridge accepts the incoming lead itself, so it is tagged at once (no manager in this test).
  const block = connectedDaemonPerBlock(
    backend,
    () => startTikTokShopTestbed({ mode: "webhook", shopSettings: { autoAccept: true } }),
    { engine: { maxRetryMs: 200 } },
  );

  /** The bridge's message sends to amojo (POST /v2/origin/custom/{scope}). */
  const sends = () =>
    block.bed.kommo
      .requestLog()
      .filter(
        (r) => r.host === "amojo" && r.method === "POST" && /^\/v2\/origin\/custom\/[^/]+$/.test(r.path),
      );

  function buyerSends(buyerId: string, text: string) {
    return block.bed.tiktokshop.buyerSends(block.bed.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
  }

  async function inKommo(text: string) {
    return waitFor(`"${text}" in Kommo`, () =>
      block.bed.kommo.received(block.bed.scopeId).find((m) => m.text === text),
    );
  }

  /** The lead of a chat and how many times the bridge asked Kommo to tag it. */
  function leadOf(chatAmojoId: string) {
    const lead = () => block.bed.kommo.leads().find((l) => l.chatAmojoId === chatAmojoId);
    const tagCalls = () =>
      block.bed.kommo
        .requestLog()
        .filter((r) => r.host === "rest" && r.method === "PATCH" && r.path === `/api/v4/leads/${lead()?.id}`)
        .length;
    return { lead, tagCalls };
  }

  /** Every job finished: a second tagging job, if one had been queued, has run by now. */
  async function settled() {
    await waitForAsync("the queue drained", async () =>
      (await block.daemon.state.engineStore.jobCounts()).every((c) => c.pending === 0 && c.running === 0),
    );
  }

  const EXPECTED_TAGS = () => [block.bed.shopName, "Tokopedia & Shop", "Tokopedia"];

  it("the lead is tagged once when the answer to the chat's first send is lost", async () => {
    const before = sends().length;
    block.bed.kommo.dropNext(1, { host: "amojo", afterProcessing: true });
    const sent = buyerSends("9401", "Halo, masih ada?");
    const first = await inKommo("Halo, masih ada?");
    await waitFor("the retry of the first send", () => sends().length >= before + 2);
    expect(sends()[before]!.lostAnswer).toBe(200);
    const { lead, tagCalls } = leadOf(first.chatAmojoId);
    await waitFor("lead tagged", () => (lead()?.tags.length ?? 0) > 0);
    expect(lead()!.tags).toEqual(expect.arrayContaining(EXPECTED_TAGS()));
    // More messages in the chat do not tag it again.
    buyerSends("9401", "Halo?");
    await inKommo("Halo?");
    const room = await block.daemon.state.engineStore.getRoom({
      source: "tiktokshop",
      shopId: block.bed.shopId,
      roomId: sent.conversationId,
    });
    expect(room?.amojoChatId).toBe(first.chatAmojoId);
    await settled();
    expect(tagCalls()).toBe(1);
  });

  it("when Kommo cannot name the chat either, a later delivery tags the lead, once", async () => {
    block.bed.kommo.dropNext(1, { host: "amojo", afterProcessing: true });
    // Asking Kommo for the chat fails too: nothing tags the lead for now.
    block.bed.kommo.failNext(1, { host: "amojo", status: 500, pathEndsWith: "/chats" });
    const sent = buyerSends("9402", "Permisi kak");
    const first = await inKommo("Permisi kak");
    // An agent answers in Seller Center, then the buyer writes again: the agent's message (mirrored silently) is the
    // first delivery that learns the chat id, the buyer's is the first that can tag the lead.
    block.bed.tiktokshop.agentSendsInSellerCenter(sent.conversationId, "Ya kak, ada yang bisa dibantu?");
    buyerSends("9402", "Ada ukuran XL?");
    await inKommo("Ya kak, ada yang bisa dibantu?");
    await inKommo("Ada ukuran XL?");
    const { lead, tagCalls } = leadOf(first.chatAmojoId);
    await waitFor("lead tagged", () => (lead()?.tags.length ?? 0) > 0);
    expect(lead()!.tags).toEqual(expect.arrayContaining(EXPECTED_TAGS()));
    buyerSends("9402", "Terima kasih");
    await inKommo("Terima kasih");
    await settled();
    expect(tagCalls()).toBe(1);
  });
});
