/**
 * TikTok Shop end to end over real HTTP: TikTok Shop simulator -> daemon -> Kommo simulator and back, every call to
 * the simulators through the HTTP worker thread as under `tokokommo serve`. On both state backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSharedTokenStore } from "../../src/auth/token-store.js";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import type { SimBuyerInput, SimContentInput } from "../../src/sim/tiktokshop/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import {
  PNG,
  startConnectedDaemon,
  startPictureServer,
  stopDaemonAndBed,
} from "../helpers/connected-daemon.js";
import { callsDuring, expectPartsMakeUp, replyRefused } from "../helpers/daemon-replies.js";
import { HTTP_WORKER_SCRIPT } from "../helpers/http-worker-script.js";
import { waitForMarketplaceJobsDoneOf } from "../helpers/jobs.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

// The backends' blocks run side by side (each on its own testbed, simulators, daemon and state), their tests in
// order: much of a block's time is waiting (Kommo's 7 requests per second, webhooks, retries), which overlaps.
describe.concurrent.each(STATE_BACKENDS)("TikTok Shop end to end, state in $name", (backend) => {
  const statePathFor = backend.use();
  let bed: TikTokShopTestbed;
  let daemon: RunningDaemon;
  // The picture a manager attaches in Kommo, served over loopback.
  let media: Awaited<ReturnType<typeof startPictureServer>> | undefined;

  beforeAll(async () => {
    media = await startPictureServer("/size-chart.png");
    // autoAccept: the bridge accepts each incoming lead itself and tags it at once (no manager in these tests).
    bed = await startTikTokShopTestbed({ mode: "webhook", shopSettings: { autoAccept: true } });
    // As under `tokokommo serve`: every call to the simulators goes through the HTTP worker thread.
    daemon = await startConnectedDaemon(bed, {
      statePath: await statePathFor(bed),
      httpWorker: HTTP_WORKER_SCRIPT,
    });
  });

  afterAll(async () => {
    await stopDaemonAndBed(daemon, bed);
    await media?.close();
  });

  const kommoAll = () => bed.kommo.received(bed.scopeId);
  const kommoIn = () => kommoAll().filter((m) => m.direction === "in");
  const convOf = (conversationId: string) => `tts:${bed.shopId}:${conversationId}`;

  function buyer(id: string, content: SimContentInput, extra: Partial<SimBuyerInput> = {}) {
    return bed.tiktokshop.buyerSends(bed.shopId, { id, name: `Buyer ${id}`, ...extra }, content);
  }

  /** A buyer's message that has reached Kommo: the conversation exists on both sides, replies can go. */
  async function openChat(id: string, text: string, extra: Partial<SimBuyerInput> = {}) {
    const sent = buyer(id, text, extra);
    const conv = convOf(sent.conversationId);
    await waitFor(`"${text}" in Kommo`, () =>
      kommoIn().find((m) => m.conversationId === conv && m.text === text),
    );
    return { ...sent, conv };
  }

  describe.sequential("buyer -> Kommo", () => {
    it.sequential("text, image, product card and order card arrive readable, in order, in one chat with one lead", async () => {
      const first = buyer("8001", "Halo kak, ready stok?");
      buyer("8001", { type: "IMAGE", url: "https://p16-oec-va.ibyteimg.com/tos/chat/foto.jpeg" });
      buyer("8001", { type: "PRODUCT_CARD", productId: "1729384756102938475" });
      buyer("8001", { type: "ORDER_CARD", orderId: "578123456789012345" });
      const conv = convOf(first.conversationId);
      const msgs = await waitFor("4 messages", () => {
        const m = kommoIn().filter((x) => x.conversationId === conv);
        return m.length >= 4 ? m : undefined;
      });
      expect(msgs).toHaveLength(4);
      expect(msgs[0]!.type).toBe("text");
      expect(msgs[0]!.text).toBe("Halo kak, ready stok?");
      expect(msgs[0]!.msgid).toBe(`tts:${bed.shopId}:${first.messageId}`);
      expect(msgs[1]!.type).toBe("picture");
      expect(msgs[1]!.media).toBe("https://p16-oec-va.ibyteimg.com/tos/chat/foto.jpeg");
      expect(msgs[2]!.text).toContain("1729384756102938475");
      expect(msgs[2]!.text).toMatch(/Product/);
      expect(msgs[2]!.text).toMatch(/https?:\/\//);
      expect(msgs[3]!.text).toContain("578123456789012345");
      expect(msgs[3]!.text).toMatch(/https?:\/\//);
      for (const m of msgs) expect(m.text).not.toMatch(/[{}]|"product_id"|"order_id"/);
      expect(msgs[0]!.sender.name).toBe("Buyer 8001");
      expect(bed.kommo.leads().filter((l) => l.chatAmojoId === msgs[0]!.chatAmojoId)).toHaveLength(1);
    });

    it.sequential("records the buyer's platform and tags the lead with the shop, Tokopedia & Shop and the platform", async () => {
      const tiktokBuyer = await openChat("8002", "Kak, ada warna lain?", { platform: "TIKTOK_SHOP" });
      const tokopediaBuyer = await openChat("8003", "Bisa COD?", { platform: "TOKOPEDIA" });
      const room = await daemon.state.engineStore.getRoom({
        source: "tiktokshop",
        shopId: bed.shopId,
        roomId: tiktokBuyer.conversationId,
      });
      expect(room?.buyerPlatform).toBe("TIKTOK_SHOP");
      expect(room?.buyerName).toBe("Buyer 8002");
      const tagsOf = (conv: string) => {
        const chat = kommoIn().find((m) => m.conversationId === conv)?.chatAmojoId;
        return bed.kommo.leads().find((l) => l.chatAmojoId === chat)?.tags ?? [];
      };
      await waitFor("tags of the TikTok buyer's lead", () => tagsOf(tiktokBuyer.conv).length >= 3);
      expect(tagsOf(tiktokBuyer.conv)).toEqual(
        expect.arrayContaining([bed.shopName, "Tokopedia & Shop", "TikTok Shop"]),
      );
      await waitFor("tags of the Tokopedia buyer's lead", () => tagsOf(tokopediaBuyer.conv).length >= 3);
      expect(tagsOf(tokopediaBuyer.conv)).toEqual(
        expect.arrayContaining([bed.shopName, "Tokopedia & Shop", "Tokopedia"]),
      );
      expect(tagsOf(tokopediaBuyer.conv)).not.toContain("TikTok Shop");
    });

    it.sequential("one webhook delivered three times makes one Kommo message", async () => {
      const sent = buyer("8004", "pesan sekali saja");
      await bed.tiktokshop.flushWebhooks();
      await bed.tiktokshop.redeliverLastWebhook(2);
      const conv = convOf(sent.conversationId);
      await waitFor("message in Kommo", () => kommoIn().find((m) => m.conversationId === conv));
      const ids = bed.tiktokshop
        .webhookDeliveries()
        .filter((d) => d.notificationId === bed.tiktokshop.webhooksSent().at(-1)?.notificationId);
      expect(ids).toHaveLength(3);
      expect(ids.every((d) => d.status === 200)).toBe(true);
      // All three were answered (taken in); count once the syncs and deliveries they caused are done.
      await waitForMarketplaceJobsDoneOf(daemon.state);
      expect(kommoIn().filter((m) => m.conversationId === conv)).toHaveLength(1);
    });
  });

  describe.sequential("Kommo -> buyer", () => {
    it.sequential("a text reply is delivered with status 1 and not echoed back into Kommo", async () => {
      const chat = await openChat("8101", "Kapan dikirim?");
      const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, {
        type: "text",
        text: "Hari ini kak 🙏",
      });
      await waitFor("reply in TikTok Shop", () =>
        bed.tiktokshop.shopMessages(chat.conversationId).some((m) => m.text === "Hari ini kak 🙏"),
      );
      const st = await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(1);
      // The next sync reads the shop's reply back; it must not come into Kommo as a mirrored message.
      await openChat("8101", "Oke makasih");
      expect(
        kommoAll().filter(
          (m) => m.conversationId === chat.conv && m.text === "Hari ini kak 🙏" && m.origin === "api",
        ),
      ).toHaveLength(0);
    });

    it.sequential("a 2,500-character reply arrives as two TikTok messages", async () => {
      const chat = await openChat("8102", "Tolong jelaskan detailnya");
      const long = `${"Detail produk lengkap. ".repeat(109)}Selesai.`.slice(0, 2500);
      expect(long).toHaveLength(2500);
      const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, { type: "text", text: long });
      const st = await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(1);
      const parts = bed.tiktokshop.shopMessages(chat.conversationId).filter((m) => m.viaApi);
      expect(parts).toHaveLength(2);
      expect(parts.every((p) => (p.text ?? "").length <= 2000)).toBe(true);
      expectPartsMakeUp(parts, long);
    });

    it.sequential("a picture reply is downloaded, uploaded and sent as IMAGE", async () => {
      const chat = await openChat("8103", "Ada size chart?");
      const before = bed.tiktokshop.uploadedImages().length;
      const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, {
        type: "picture",
        media: `${media!.url}/size-chart.png`,
        file_name: "size-chart.png",
      });
      const st = await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(1);
      const images = bed.tiktokshop.shopMessages(chat.conversationId).filter((m) => m.type === "IMAGE");
      expect(images).toHaveLength(1);
      const uploads = bed.tiktokshop.uploadedImages().slice(before);
      expect(uploads).toHaveLength(1);
      expect(uploads[0]!.bytes).toBe(PNG.length);
      expect(uploads[0]!.contentType).toBe("image/png");
    });

    it.sequential("other media are refused with a readable -1 status", async () => {
      const chat = await openChat("8104", "Kirim katalog dong");
      await replyRefused(
        bed,
        chat.conv,
        {
          type: "file",
          media: `${media!.url}/katalog.pdf`,
          file_name: "katalog.pdf",
        },
        "Tokopedia & Shop accepts only text and pictures",
      );
      expect(bed.tiktokshop.shopMessages(chat.conversationId)).toEqual([]);
    });

    it.sequential("45109001 (chat window closed) comes back as a readable -1 status", async () => {
      const chat = await openChat("8105", "Halo masih buka?");
      bed.tiktokshop.setCanSendMessage(chat.conversationId, false);
      await replyRefused(
        bed,
        chat.conv,
        { type: "text", text: "Masih kak" },
        "no longer allows messages to this buyer",
      );
      expect(bed.tiktokshop.shopMessages(chat.conversationId)).toEqual([]);
    });

    it.sequential("a conversation aged past the window is refused the same way", async () => {
      const chat = await openChat("8106", "Permisi");
      bed.tiktokshop.ageConversation(chat.conversationId, 90);
      await replyRefused(
        bed,
        chat.conv,
        { type: "text", text: "Ya kak" },
        "Tokopedia & Shop no longer allows messages to this buyer",
      );
    });

    it.sequential("45101006 (sensitive words) comes back as a readable -1 status", async () => {
      const chat = await openChat("8107", "Boleh transfer langsung?");
      bed.tiktokshop.setSensitiveWords(["whatsapp"]);
      try {
        await replyRefused(
          bed,
          chat.conv,
          { type: "text", text: "Hubungi WhatsApp kami ya" },
          "contains words its policy does not allow",
        );
        expect(bed.tiktokshop.shopMessages(chat.conversationId)).toEqual([]);
      } finally {
        bed.tiktokshop.setSensitiveWords([]);
      }
    });
  });

  describe.sequential("Seller Center", () => {
    it.sequential("an agent's reply in Seller Center is mirrored into Kommo once, silent and outgoing", async () => {
      const chat = await openChat("8201", "Ada diskon?");
      bed.tiktokshop.agentSendsInSellerCenter(chat.conversationId, "Ada kak, 10% hari ini");
      const mirrored = await waitFor("mirrored reply", () =>
        kommoAll().find((m) => m.conversationId === chat.conv && m.text === "Ada kak, 10% hari ini"),
      );
      expect(mirrored.direction).toBe("out");
      expect(mirrored.silent).toBe(true);
      // Another sync of the room (a new buyer message) must not bring it in a second time.
      await openChat("8201", "Mantap");
      expect(kommoAll().filter((m) => m.text === "Ada kak, 10% hari ini")).toHaveLength(1);
    });
  });

  describe.sequential("seller deauthorization", () => {
    it.sequential("a type-6 webhook shows as a shop error in the state", async () => {
      bed.tiktokshop.deauthorize(bed.openId);
      await bed.tiktokshop.flushWebhooks();
      const status = await waitForAsync("shop error", async () =>
        (await daemon.state.listShopStatus()).find(
          (s) => s.source === "tiktokshop" && s.shopId === bed.shopId && !s.healthy,
        ),
      );
      expect(status.lastErrorCode).toBe("TK_ERR_SHOP_DEAUTHORIZED");
      expect(status.lastError).toMatch(/re-authorize/);
      // The source is told too: the seller's stored authorization is flagged, so calls fail fast, and a reply
      // written now is refused with a readable status instead of being retried against dead tokens.
      const tokens = daemon.state.tokens;
      const key = `tiktokshop:tts:${bed.openId}`;
      // On PostgreSQL the daemon keeps a copy in memory that writes through: read what the database holds.
      if (isSharedTokenStore(tokens)) await tokens.reloadKey(key);
      const meta = tokens.load(key)?.meta as { reauthNeeded?: boolean };
      expect(meta.reauthNeeded).toBe(true);
      const conv = convOf(bed.tiktokshop.conversationOf(bed.shopId, "8101")!);
      const sends = await callsDuring(
        bed.tiktokshop,
        (c) => c.path.includes("/messages"),
        () =>
          replyRefused(
            bed,
            conv,
            { type: "text", text: "Masih ada?" },
            "Ask your admin to run `tokokommo doctor`",
          ),
      );
      expect(sends).toEqual([]);
    });
  });
});
