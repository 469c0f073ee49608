/**
 * Conversations and messages of the simulated platform, and the webhooks they trigger: type 13 when a
 * conversation appears, type 14 for every new message (including the shop's own, sent via the API or in
 * Seller Center — the echo the bridge must de-duplicate).
 */
import type { SimCore } from "./core.js";
import {
  nextId,
  type SimBuyer,
  type SimConversation,
  type SimMessage,
  type SimRole,
  type SimShop,
} from "./state.js";

const DAY_MS = 86_400_000;

/**
 * The 30/60-day rule (docs/platforms/tiktokshop.md#conversation-rules): the shop may message a buyer who chatted in
 * 30 days or ordered in 60.
 */
export function canSend(core: SimCore, c: SimConversation): boolean {
  if (c.canSendOverride !== undefined) return c.canSendOverride;
  const now = core.now();
  return (
    now - c.lastBuyerMessageAt <= 30 * DAY_MS ||
    (c.lastOrderAt !== undefined && now - c.lastOrderAt <= 60 * DAY_MS)
  );
}

export function openConversation(
  core: SimCore,
  shop: SimShop,
  buyer: SimBuyer,
  webhook = true,
): SimConversation {
  const existing = core.state.conversationOf(shop.id, buyer.userId);
  if (existing) return existing;
  const c: SimConversation = {
    id: nextId(),
    shopId: shop.id,
    buyer,
    createTime: core.nowSec(),
    messages: [],
    unreadCount: 0,
    lastBuyerMessageAt: core.now(),
  };
  core.state.conversations.set(c.id, c);
  if (webhook) core.webhooks.emit(13, shop.id, { conversation_id: c.id, create_time: c.createTime });
  return c;
}

export function addMessage(
  core: SimCore,
  c: SimConversation,
  m: {
    type: string;
    content: Record<string, unknown>;
    role: SimRole;
    nickname?: string;
    visible?: boolean;
    viaApi?: boolean;
  },
  webhook = true,
): SimMessage {
  const shop = core.state.shops.get(c.shopId)!;
  const isBuyer = m.role === "BUYER";
  const msg: SimMessage = {
    id: nextId(),
    conversationId: c.id,
    type: m.type,
    content: JSON.stringify(m.content),
    createTime: core.nowSec(),
    index: core.state.nextIndex(core.now()),
    isVisible: m.visible !== false,
    sender: {
      imUserId: isBuyer ? c.buyer.imUserId : shop.imUserId,
      role: m.role,
      nickname: m.nickname ?? (isBuyer ? c.buyer.name : shop.name),
      avatar: isBuyer ? c.buyer.avatar : `https://p16-oec-va.ibyteimg.com/sim/shop-${shop.id}.image`,
    },
    viaApi: m.viaApi ?? false,
  };
  c.messages.push(msg);
  if (isBuyer) {
    c.unreadCount++;
    c.lastBuyerMessageAt = core.now();
  }
  if (webhook) core.webhooks.emit(14, c.shopId, newMessageData(msg));
  return msg;
}

/** `data` of a type-14 webhook: no nickname, avatar or user_id. */
export function newMessageData(m: SimMessage): Record<string, unknown> {
  return {
    content: m.content,
    conversation_id: m.conversationId,
    create_time: m.createTime,
    is_visible: m.isVisible,
    message_id: m.id,
    index: m.index,
    type: m.type,
    sender: { im_user_id: m.sender.imUserId, role: m.sender.role },
  };
}

export function messageJson(m: SimMessage): Record<string, unknown> {
  return {
    id: m.id,
    type: m.type,
    content: m.content,
    create_time: m.createTime,
    is_visible: m.isVisible,
    sender: {
      im_user_id: m.sender.imUserId,
      role: m.sender.role,
      nickname: m.sender.nickname,
      avatar: m.sender.avatar,
    },
    index: m.index,
  };
}

export function conversationJson(core: SimCore, c: SimConversation): Record<string, unknown> {
  const shop = core.state.shops.get(c.shopId)!;
  const latest = c.messages[c.messages.length - 1];
  return {
    id: c.id,
    participant_count: 2,
    can_send_message: canSend(core, c),
    unread_count: c.unreadCount,
    create_time: c.createTime,
    participants: [
      {
        im_user_id: c.buyer.imUserId,
        avatar: c.buyer.avatar,
        user_id: c.buyer.userId,
        role: "BUYER",
        nickname: c.buyer.name,
        // Indonesia only.
        ...(shop.region === "ID" ? { buyer_platform: c.buyer.platform } : {}),
      },
      { im_user_id: shop.imUserId, role: "SHOP", nickname: shop.name, avatar: "" },
    ],
    ...(latest ? { latest_message: messageJson(latest) } : {}),
  };
}
