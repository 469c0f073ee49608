/**
 * End to end over real HTTP: Tokopedia simulator -> daemon (the code `serve` runs) -> Kommo simulator and back.
 * Every rendering of docs/architecture.md (Inbound), both reply outcomes and the error statuses.
 */
import { createHmac } from "node:crypto";
import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { KommoChatsClient } from "../../src/kommo/index.js";
import { startTestbed, TESTBED_WEBHOOK_SECRET, type Testbed } from "../../src/testbed/tokopedia.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { tokopediaChatInKommo } from "../helpers/tokopedia-chat.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("bridge, state in $name", (backend) => {
  let shopId: string;

  const block = connectedDaemonPerBlock(backend, () => startTestbed({ mode: "webhook" }), {
    engine: { leadAcceptanceCheckMs: 200 },
  });
  beforeAll(() => {
    shopId = block.bed.shops[0]!.shopId;
  });

  const kommoIn = () => block.bed.kommo.received(block.bed.scopeId).filter((m) => m.direction === "in");

  async function buyer(
    buyerId: string,
    content: Parameters<Testbed["tokopedia"]["buyerSends"]>[2],
    name = "Budi",
  ) {
    return block.bed.tokopedia.buyerSends(shopId, buyerId, content, { buyerName: name });
  }

  describe("buyer -> Kommo", () => {
    it("a new conversation creates a contact and an incoming lead, text anchors reduced to URLs", async () => {
      const sent = await buyer("7001", "Halo kak, ready? https://www.tokopedia.com/kommo-store/kaos");
      const msg = await waitFor("text in Kommo", () =>
        kommoIn().find((m) => m.conversationId === `tkp:${shopId}:${sent.msgId}`),
      );
      expect(msg.type).toBe("text");
      expect(msg.text).toBe("Halo kak, ready? https://www.tokopedia.com/kommo-store/kaos");
      expect(msg.text).not.toContain("<a");
      expect(msg.msgid).toBe(`tkp:${shopId}:${sent.msgId}:${sent.replyId}`);
      const lead = await waitFor("incoming lead", () =>
        block.bed.kommo.leads().find((l) => l.chatAmojoId === msg.chatAmojoId),
      );
      expect(lead.status).toBe("incoming");
      const contact = block.bed.kommo.contacts().find((c) => c.id === lead.contactId);
      expect(contact?.name).toBe("Budi");
      // Enrichment over REST waits until a manager accepts the lead (a write would take it out of incoming); then the
      // lead is tagged with the shop and the marketplace.
      await waitForAsync(
        "the lead pending enrichment",
        async () => (await block.daemon.state.pendingLeads.count()) > 0,
      );
      expect(block.bed.kommo.leads().find((l) => l.id === lead.id)?.tags).toEqual([]);
      block.bed.kommo.acceptLead(lead.id);
      await waitFor("lead tags", () => {
        const tags = block.bed.kommo.leads().find((l) => l.id === lead.id)?.tags ?? [];
        return tags.includes("kommo-store") && tags.includes("Tokopedia");
      });
    });

    it("renders image, product card, invoice and sticker", async () => {
      await buyer("7002", { kind: "image", url: "https://images.tokopedia.net/img/chat/sobek.jpg" }, "Sari");
      await buyer(
        "7002",
        {
          kind: "product",
          name: "Kaos Polos Hitam",
          price: "Rp59.000",
          url: "https://www.tokopedia.com/kommo-store/kaos",
          imageUrl: "https://images.tokopedia.net/img/product/kaos.jpg",
        },
        "Sari",
      );
      await buyer(
        "7002",
        {
          kind: "invoice",
          code: "INV/20261128/MPL/3541",
          total: "Rp118.000",
          status: "Menunggu Pembayaran",
          url: "https://www.tokopedia.com/invoice/3541",
        },
        "Sari",
      );
      const last = await buyer("7002", { kind: "sticker", name: "terima kasih" }, "Sari");
      const conv = `tkp:${shopId}:${last.msgId}`;
      const msgs = await waitFor("4 messages", () => {
        const m = kommoIn().filter((x) => x.conversationId === conv);
        return m.length >= 4 ? m : undefined;
      });
      expect(msgs.map((m) => m.type)).toEqual(["picture", "picture", "text", "text"]);
      expect(msgs[0]!.media).toBe("https://images.tokopedia.net/img/chat/sobek.jpg");
      expect(msgs[1]!.media).toBe("https://images.tokopedia.net/img/product/kaos.jpg");
      expect(msgs[1]!.text).toContain("Kaos Polos Hitam");
      expect(msgs[1]!.text).toContain("Rp59.000");
      expect(msgs[1]!.text).toContain("https://www.tokopedia.com/kommo-store/kaos");
      expect(msgs[2]!.text).toContain("INV/20261128/MPL/3541");
      expect(msgs[2]!.text).toContain("Rp118.000");
      expect(msgs[2]!.text).toContain("Menunggu Pembayaran");
      expect(msgs[3]!.text).toBe("[Sticker: terima kasih]");
      // one contact and one lead for the conversation, however many messages
      expect(block.bed.kommo.leads().filter((l) => l.chatAmojoId === msgs[0]!.chatAmojoId)).toHaveLength(1);
    });
  });

  describe("Kommo -> buyer", () => {
    it("a manager's text reaches the Tokopedia room, then Kommo shows it delivered; no echo comes back", async () => {
      const { sent, conv } = await tokopediaChatInKommo(block.bed, "7003", "Bisa kirim hari ini?", "Tono");
      const amojoId = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, {
        type: "text",
        text: "Bisa kak, dikirim sore ini 🙏",
      });
      await waitFor("reply in Tokopedia", () =>
        block.bed.tokopedia.shopReplies(sent.msgId).includes("Bisa kak, dikirim sore ini 🙏"),
      );
      const statuses = await waitFor("delivery status", () => {
        const s = block.bed.kommo.deliveryStatuses(amojoId);
        return s.length > 0 ? s : undefined;
      });
      expect(statuses[0]!.status).toBe(1);
      // The next sync of the room reads the shop's reply back; it must not be imported into Kommo again.
      await buyer("7003", "Oke makasih", "Tono");
      await waitFor("second buyer message", () => kommoIn().find((m) => m.text === "Oke makasih"));
      const all = block.bed.kommo.received(block.bed.scopeId).filter((m) => m.conversationId === conv);
      expect(
        all.filter((m) => m.text === "Bisa kak, dikirim sore ini 🙏" && m.origin === "api"),
      ).toHaveLength(0);
    });

    it("a picture is refused with a readable delivery status", async () => {
      const { sent, conv } = await tokopediaChatInKommo(block.bed, "7004", "Ada size chart?", "Ayu");
      const amojoId = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, {
        type: "picture",
        media: "https://amojo.kommo.com/attachments/size.jpg",
        file_name: "size.jpg",
      });
      const st = await waitFor("error status", () => block.bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(-1);
      expect(st.errorCode).toBe(905);
      expect(st.error).toContain("Tokopedia does not accept attachments from Kommo");
      expect(block.bed.tokopedia.shopReplies(sent.msgId)).toEqual([]);
    });

    it("a reply for a conversation the bridge never saw is answered 200 and reported as an error status", async () => {
      // Chats the bridge did not create: one with a foreign conversation id, one in our format for a room never synced.
      const chats = new KommoChatsClient({
        baseUrl: block.bed.kommo.url,
        channelId: block.bed.config.kommo.accounts[0]!.channel.id,
        channelSecret: block.bed.config.kommo.accounts[0]!.channel.secret,
      });
      await chats.createChat(block.bed.scopeId, {
        conversationId: "legacy-chat-1",
        user: { id: "legacy-user", name: "Old" },
      });
      await chats.createChat(block.bed.scopeId, {
        conversationId: `tkp:${shopId}:12345`,
        user: { id: "u2", name: "Ghost" },
      });
      const ghost = await block.bed.kommo.managerReplies(block.bed.scopeId, `tkp:${shopId}:12345`, {
        type: "text",
        text: "halo?",
      });
      const amojoId = await block.bed.kommo.managerReplies(block.bed.scopeId, "legacy-chat-1", {
        type: "text",
        text: "hi",
      });
      const ghostStatus = await waitFor("error status", () => block.bed.kommo.deliveryStatuses(ghost)[0]);
      expect(ghostStatus.status).toBe(-1);
      expect(block.bed.tokopedia.requests().some((r) => r.path.includes("/messages/12345/reply"))).toBe(
        false,
      );
      const st = await waitFor("error status", () => block.bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(-1);
      expect(st.error).toContain("The customer must start the chat on Tokopedia");
      const hook = block.bed.kommo.webhookDeliveries().find((d) => d.amojoMessageId === amojoId);
      expect(hook?.status).toBe(200);
    });
  });

  describe("replies that Tokopedia refuses come back to Kommo as readable error statuses", () => {
    async function openChat(buyerId: string, name: string) {
      const { sent, conv } = await tokopediaChatInKommo(block.bed, buyerId, "halo", name);
      return { conv, room: sent.msgId };
    }
    async function replyStatus(conv: string, text: string) {
      const amojoId = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, { type: "text", text });
      return waitFor("delivery status", () => block.bed.kommo.deliveryStatuses(amojoId)[0], 15_000);
    }

    it("shop not bound", async () => {
      const { conv, room } = await openChat("7101", "Nina");
      block.bed.tokopedia.unbindShop(shopId);
      try {
        const st = await replyStatus(conv, "ada kak");
        expect(st.status).toBe(-1);
        expect(st.errorCode).toBe(905);
        expect(st.error).toContain("not (or no longer) connected to the Tokopedia app");
        expect(block.bed.tokopedia.shopReplies(room)).toEqual([]);
      } finally {
        block.bed.tokopedia.bindShop(shopId);
      }
    });

    it("token rejected", async () => {
      const { conv, room } = await openChat("7102", "Rudi");
      block.bed.tokopedia.revokeClient();
      try {
        const st = await replyStatus(conv, "siap kak");
        expect(st.status).toBe(-1);
        expect(st.error).toContain("rejected the bridge's credentials");
        expect(block.bed.tokopedia.shopReplies(room)).toEqual([]);
      } finally {
        block.bed.tokopedia.restoreClient();
      }
    });

    it("text too long", async () => {
      const { conv, room } = await openChat("7103", "Dewi");
      const st = await replyStatus(conv, "x".repeat(10_001));
      expect(st.status).toBe(-1);
      expect(st.error).toContain("too long for Tokopedia");
      expect(block.bed.tokopedia.shopReplies(room)).toEqual([]);
    });
  });

  describe("webhook intake refuses bad input and stores nothing", () => {
    const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
      request(`${block.daemon.url}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    const sign = (body: string) => createHmac("sha256", TESTBED_WEBHOOK_SECRET).update(body).digest("hex");
    const body = () =>
      JSON.stringify({
        msg_id: 999,
        buyer_id: 1,
        message: "x",
        shop_id: Number(shopId),
        full_name: "X",
        payload: { attachment_type: 0 },
      });

    it("401 on a bad or missing signature, 400 on malformed JSON, 404 on unknown app or scope, 413 over 1 MiB", async () => {
      const b = body();
      expect(
        (await post("/webhooks/tokopedia/main", b, { "authorization-hmac": "00".repeat(32) })).statusCode,
      ).toBe(401);
      expect((await post("/webhooks/tokopedia/main", b)).statusCode).toBe(401);
      const junk = "{not json";
      expect(
        (await post("/webhooks/tokopedia/main", junk, { "authorization-hmac": sign(junk) })).statusCode,
      ).toBe(400);
      expect((await post("/webhooks/tokopedia/nope", b, { "authorization-hmac": sign(b) })).statusCode).toBe(
        404,
      );
      expect((await post("/webhooks/kommo/unknown-scope", "{}")).statusCode).toBe(404);
      expect(
        (await post(`/webhooks/kommo/${block.bed.scopeId}`, "{}", { "x-signature": "ab" })).statusCode,
      ).toBe(401);
      const big = Buffer.alloc(1024 * 1024 + 10, 0x20);
      expect(
        (await post("/webhooks/tokopedia/main", big, { "authorization-hmac": sign(big.toString()) }))
          .statusCode,
      ).toBe(413);
      expect(
        await block.daemon.state.engineStore.getRoom({ source: "tokopedia", shopId, roomId: "999" }),
      ).toBeUndefined();
      const health = await request(`${block.daemon.url}/healthz`);
      expect(health.statusCode).toBe(200);
      await health.body.dump();
    });

    it("serves Prometheus metrics", async () => {
      const res = await request(`${block.daemon.url}/metrics`);
      const text = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(text).toMatch(/tokokommo_messages_in_total\{source="tokopedia",shop="\d+"\} \d+/);
      expect(text).toMatch(
        /tokokommo_webhook_rejections_total\{route="tokopedia",reason="bad_signature"\} [1-9]/,
      );
    });
  });
});
