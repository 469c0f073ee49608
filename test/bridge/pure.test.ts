import { describe, expect, it } from "vitest";
import {
  buyerSenderId,
  conversationId,
  kommoMsgId,
  parseConversationId,
} from "../../src/bridge/identities.js";
import { planOutbound } from "../../src/bridge/outbound-plan.js";
import { renderInbound } from "../../src/bridge/render-inbound.js";

describe("identities", () => {
  it("builds the documented ids for both sources", () => {
    expect(conversationId("tokopedia", "481154", "2360940371")).toBe("tkp:481154:2360940371");
    expect(conversationId("tiktokshop", "7494", "5765")).toBe("tts:7494:5765");
    expect(buyerSenderId("tokopedia", "456456")).toBe("tkp:user:456456");
    expect(buyerSenderId("tiktokshop", "x1")).toBe("tts:user:x1");
    expect(kommoMsgId("tokopedia", "1", "2", "3")).toBe("tkp:1:2:3");
    expect(kommoMsgId("tiktokshop", "1", "2", "3")).toBe("tts:1:3");
  });

  it("parses a conversation id back, and refuses ids it did not make", () => {
    expect(parseConversationId("tkp:481154:2360940371")).toEqual({
      source: "tokopedia",
      shopId: "481154",
      roomId: "2360940371",
    });
    expect(parseConversationId("tts:7494:5765")?.source).toBe("tiktokshop");
    expect(parseConversationId("my_int-d5a421f7f218")).toBeUndefined();
    expect(parseConversationId("tkp:user:1")).toBeUndefined();
    expect(parseConversationId(undefined)).toBeUndefined();
  });
});

describe("inbound rendering", () => {
  it("keeps text", () => {
    expect(renderInbound({ kind: "text", text: "halo https://tokopedia.com/x" })).toEqual({
      type: "text",
      text: "halo https://tokopedia.com/x",
    });
  });
  it("shows images as pictures", () => {
    const r = renderInbound({ kind: "image", url: "https://images.tokopedia.net/img/chat/abc.jpg" });
    expect(r).toEqual({
      type: "picture",
      text: "",
      media: "https://images.tokopedia.net/img/chat/abc.jpg",
      file_name: "abc.jpg",
    });
  });
  it("renders a product card as readable text, with its image as picture", () => {
    const r = renderInbound({
      kind: "product",
      name: "Kaos Polos",
      price: "Rp50.000",
      url: "https://tokopedia.com/s/p",
      imageUrl: "https://img/p.png",
    });
    expect(r.type).toBe("picture");
    expect(r.media).toBe("https://img/p.png");
    expect(r.text).toContain("Kaos Polos");
    expect(r.text).toContain("Rp50.000");
    expect(r.text).toContain("https://tokopedia.com/s/p");
    expect(renderInbound({ kind: "product", name: "A" }).type).toBe("text");
  });
  it("renders an invoice as its own text message", () => {
    const r = renderInbound({
      kind: "order",
      code: "INV/20240101/MPL/123",
      total: "Rp100.000",
      status: "Dikirim",
      url: "https://tokopedia.com/inv",
    });
    expect(r.type).toBe("text");
    for (const part of ["INV/20240101/MPL/123", "Rp100.000", "Dikirim", "https://tokopedia.com/inv"]) {
      expect(r.text).toContain(part);
    }
  });
  it("describes stickers and unknown content", () => {
    expect(renderInbound({ kind: "sticker", name: "happy" }).text).toBe("[Sticker: happy]");
    expect(renderInbound({ kind: "unknown", text: "" }).text).toBe("[Unsupported message]");
    expect(renderInbound({ kind: "context", text: "Buyer came from a product page" }).text).toContain(
      "Buyer came from a product page",
    );
  });
});

describe("outbound plan", () => {
  const tokopedia = { attachments: "reject" as const, canSendImages: false, marketplaceName: "Tokopedia" };
  const tts = { attachments: "reject" as const, canSendImages: true, marketplaceName: "Tokopedia & Shop" };

  it("sends text, emoji included", () => {
    expect(planOutbound({ type: "text", text: "Terima kasih 🙏" }, tokopedia)).toEqual({
      action: "send_text",
      text: "Terima kasih 🙏",
    });
  });
  it("refuses empty text", () => {
    expect(planOutbound({ type: "text", text: "  " }, tokopedia).action).toBe("refuse");
  });
  it("refuses pictures to legacy Tokopedia with a readable reason", () => {
    const plan = planOutbound({ type: "picture", media: "https://amojo/x.jpg" }, tokopedia);
    expect(plan).toMatchObject({ action: "refuse", code: "TK_ERR_REPLY_ATTACHMENT" });
    expect(plan.action === "refuse" && plan.reason).toContain(
      "Tokopedia does not accept attachments from Kommo",
    );
  });
  it("sends the media URL as text when attachments are set to link", () => {
    const plan = planOutbound(
      { type: "file", media: "https://amojo/f.pdf", text: "katalog" },
      { ...tokopedia, attachments: "link" },
    );
    expect(plan).toEqual({ action: "send_text", text: "katalog\nhttps://amojo/f.pdf" });
  });
  it("uploads pictures where the source can send them, and refuses other media there", () => {
    expect(planOutbound({ type: "picture", media: "https://amojo/x.jpg" }, tts)).toEqual({
      action: "send_image",
      mediaUrl: "https://amojo/x.jpg",
    });
    const plan = planOutbound({ type: "video", media: "https://amojo/v.mp4" }, tts);
    expect(plan.action === "refuse" && plan.reason).toContain("only text and pictures");
  });
  it("refuses types without media (location, contact)", () => {
    expect(planOutbound({ type: "location" }, tokopedia)).toMatchObject({
      action: "refuse",
      code: "TK_ERR_REPLY_UNSUPPORTED",
    });
  });
});
