/**
 * How the simulated API shows its objects: envelope A (header/data) and B (data/status/error_message),
 * rooms with a capital-N `Name`, bubbles with ms times and an `attachment` object, webhook payloads.
 */
import type { Wire } from "./json-text.js";
import type { SimAttachment, SimReply, SimRoom, SimShop } from "./state.js";

export function envelopeA(
  data: Wire,
  messages = "success",
  extra: { reason?: string; errorCode?: Wire } = {},
): Wire {
  return {
    header: {
      process_time: Math.round(Math.random() * 1e9) / 1e9,
      messages,
      reason: extra.reason ?? "",
      error_code: extra.errorCode ?? 0,
    },
    data,
  };
}

export function errorA(messages: string, reason: string, errorCode: Wire): Wire {
  return envelopeA(null, messages, { reason, errorCode });
}

export function envelopeB(data: Wire, status = "200 Ok", errors: string[] = []): Wire {
  return { data, status, error_message: errors };
}

export function roomWire(room: SimRoom): Wire {
  const last = room.replies[room.replies.length - 1];
  return {
    message_key: `user-${room.buyerId}~shop-${room.shopId}`,
    msg_id: room.msgId,
    attributes: {
      contact: {
        id: room.buyerId,
        role: "user",
        attributes: { Name: room.buyerName, tag: "Pengguna", thumbnail: room.thumbnail },
      },
      last_reply_msg: last?.msg ?? "",
      last_reply_time: last?.replyTime ?? 0,
      read_status: room.unreads > 0 ? 1 : 2,
      unreads: room.unreads,
      pin_status: 0,
    },
  };
}

function attachmentWire(id: bigint, a: SimAttachment): Wire {
  switch (a.kind) {
    case "image":
      return {
        id,
        type: 2,
        attributes: { image_url: a.url, thumbnail: a.url },
        fallback_attachment: { message: a.url, html: `<img src="${a.url}">` },
      };
    case "product":
      return {
        id,
        type: 3,
        attributes: {
          product_id: a.productId ?? 0,
          thumbnail: a.imageUrl ?? "",
          image_url: a.imageUrl ?? "",
          product_profile: { name: a.name, price: a.price, url: a.url, image_url: a.imageUrl ?? "" },
        },
        fallback_attachment: { message: a.url, html: `<a href="${a.url}">${a.url}</a>` },
      };
    case "invoice":
      return {
        id,
        type: 7,
        attributes: {
          id,
          code: a.code,
          title: a.title ?? "Invoice",
          total_amount: a.total,
          status: a.status,
          href_url: a.url,
          image_url: "",
        },
        fallback_attachment: { message: a.url, html: `<a href="${a.url}">${a.url}</a>` },
      };
    case "sticker":
      return {
        id,
        type: 21,
        attributes: { group_id: "1", sticker_id: "7", image_url: a.imageUrl ?? "", intention: a.name },
        fallback_attachment: { message: `:${a.name}:`, html: "" },
      };
  }
}

export function replyWire(r: SimReply): Wire {
  return {
    msg_id: r.msgId,
    sender_id: r.senderId,
    role: r.role,
    msg: r.msg,
    reply_time: r.replyTime,
    reply_id: r.replyId,
    sender_name: r.senderName,
    read_status: 2,
    read_time: r.replyTime,
    status: 1,
    attachment_id: r.attachmentId ?? 0,
    message_is_read: true,
    is_opposite: r.fromBuyer,
    is_first_reply: false,
    is_reported: false,
    ...(r.attachment && r.attachmentId !== undefined
      ? { attachment: attachmentWire(r.attachmentId, r.attachment) }
      : { attachment: {} }),
  };
}

export function shopWire(s: SimShop): Wire {
  return {
    shop_id: s.shopId,
    user_id: s.userId,
    shop_name: s.name,
    logo: `https://images.tokopedia.net/img/cache/215-square/shops-1/${s.shopId}.png`,
    shop_url: `https://tokopedia.com/${s.domain}`,
    is_open: 1,
    status: 1,
    date_shop_created: "2019-09-24",
    domain: s.domain,
    admin_id: [s.userId],
    reason: "",
    is_mitra: false,
  };
}

/**
 * Chat notification: the documented fields plus the observed `user_id` and `payload`
 * (docs/platforms/tokopedia.md#webhooks).
 */
export function chatWebhookWire(room: SimRoom, r: SimReply): Wire {
  const a = r.attachment;
  const payload: Record<string, Wire> = {
    attachment_type: a ? { image: 2, product: 3, invoice: 7, sticker: 21 }[a.kind] : 0,
    image: { image_url: a?.kind === "image" ? a.url : "" },
    product:
      a?.kind === "product"
        ? {
            product_id: a.productId ?? 0,
            product_url: a.url,
            name: a.name,
            price: a.price,
            image_url: a.imageUrl ?? "",
          }
        : { product_id: 0, product_url: "", name: "", price: "", image_url: "" },
  };
  if (a?.kind === "invoice") {
    payload.invoice = {
      code: a.code,
      total_amount: a.total,
      status: a.status,
      href_url: a.url,
      title: a.title ?? "",
    };
  }
  if (a?.kind === "sticker") payload.sticker = { image_url: a.imageUrl ?? "" };
  return {
    msg_id: room.msgId,
    buyer_id: room.buyerId,
    user_id: room.buyerId,
    shop_id: room.shopId,
    full_name: room.buyerName,
    thumbnail: room.thumbnail,
    message: r.text,
    payload,
  };
}
