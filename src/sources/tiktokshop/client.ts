/**
 * TikTok Shop Partner API client for what the bridge needs: seller authorization and shops, conversations,
 * messages, send, read, image upload (docs/platforms/tiktokshop.md). Every shop-scoped call goes through the seller's
 * token upkeep (auth.ts), so an expired token is refreshed and the call retried once.
 */
import { randomBytes } from "node:crypto";
import { isTkError, TkError } from "../../errors/index.js";
import type { CsPerformance } from "../types.js";
import { TikTokShopApi } from "./api.js";
import {
  type AuthorizedShop,
  CS_SCOPE,
  type SellerAuthorization,
  TikTokShopAuth,
  type TikTokShopAuthOptions,
} from "./auth.js";
import { TTS_ERR } from "./errors.js";
import { asRecord, idField, numField, strField } from "./json.js";
import {
  readConversation,
  readMessage,
  type ShopAccess,
  type TtsConversation,
  type TtsMessage,
} from "./model.js";
import { OrderCallCounter } from "./orders.js";
import type { CallLane, CsQuota } from "./quota.js";

export interface TikTokShopClientOptions extends TikTokShopAuthOptions {
  /** Open API host, default https://open-api.tiktokglobalshop.com. */
  apiBaseUrl?: string;
  /** Language of system messages only; default id-ID for Indonesian shops. */
  locale?: string;
  /** Counts every Customer Service call against the shop's daily quota, and refuses calls past it. */
  quota?: CsQuota;
}

const CS = "/customer_service/202309";
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export interface Page<T> {
  items: T[];
  /** "" when there are no more pages. */
  nextPageToken: string;
}

export class TikTokShopClient {
  readonly auth: TikTokShopAuth;
  private readonly api: TikTokShopApi;
  private readonly locale: string;
  readonly quota: CsQuota | undefined;
  /** Order API calls per shop today (they are not CS calls and have no documented daily quota). */
  readonly orderCalls: OrderCallCounter;

  constructor(opts: TikTokShopClientOptions) {
    this.quota = opts.quota;
    this.orderCalls = new OrderCallCounter(opts.now);
    this.auth = new TikTokShopAuth(opts);
    this.api = new TikTokShopApi({
      appKey: opts.appKey,
      appSecret: opts.appSecret,
      apiBaseUrl: opts.apiBaseUrl ?? "https://open-api.tiktokglobalshop.com",
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.locale = opts.locale ?? "id-ID";
  }

  /**
   * Completes a seller's authorization: exchanges the code, reads the authorized shops and stores both.
   * `hasCustomerServiceScope` is false when the seller's grant lacks the chat scope (calls would fail 105005).
   */
  async authorize(
    code: string,
  ): Promise<SellerAuthorization & { shops: AuthorizedShop[]; hasCustomerServiceScope: boolean }> {
    const auth = await this.auth.exchangeCode(code);
    const shops = await this.getAuthorizedShops(auth.openId);
    this.auth.updateMeta(auth.openId, { shops });
    return {
      ...auth,
      meta: { ...auth.meta, shops },
      shops,
      hasCustomerServiceScope: auth.meta.grantedScopes.includes(CS_SCOPE),
    };
  }

  /** GET /authorization/202309/shops — signed, without shop_cipher. */
  async getAuthorizedShops(openId: string): Promise<AuthorizedShop[]> {
    const data = await this.auth.withAccessToken(openId, (accessToken) =>
      this.api.call({ method: "GET", path: "/authorization/202309/shops", accessToken }),
    );
    const list = Array.isArray(data.shops) ? data.shops : [];
    return list.flatMap((s) => {
      const o = asRecord(s);
      const id = idField(o, "id");
      const cipher = strField(o, "cipher");
      if (!id || !cipher) return [];
      const code = strField(o, "code");
      return [
        {
          id,
          cipher,
          region: strField(o, "region") ?? "",
          name: strField(o, "name") ?? "",
          sellerType: strField(o, "seller_type") ?? "",
          ...(code ? { code } : {}),
        },
      ];
    });
  }

  async listConversations(
    shop: ShopAccess,
    page: { pageToken?: string; pageSize?: number } = {},
  ): Promise<Page<TtsConversation>> {
    const data = await this.shopCall(shop, "read", {
      method: "GET",
      path: `${CS}/conversations`,
      query: {
        page_size: Math.min(page.pageSize ?? 20, 20),
        page_token: page.pageToken,
        locale: this.locale,
      },
    });
    const items = (Array.isArray(data.conversations) ? data.conversations : [])
      .map(readConversation)
      .filter((c): c is TtsConversation => c !== undefined);
    return { items, nextPageToken: strField(data, "next_page_token") ?? "" };
  }

  async getMessages(
    shop: ShopAccess,
    conversationId: string,
    page: {
      pageToken?: string;
      pageSize?: number;
      sortOrder?: "ASC" | "DESC";
      sortField?: "create_time" | "index";
    } = {},
  ): Promise<Page<TtsMessage> & { unsupportedMsgTips?: string }> {
    const data = await this.shopCall(shop, "read", {
      method: "GET",
      path: `${CS}/conversations/${encodeId(conversationId)}/messages`,
      query: {
        page_size: Math.min(page.pageSize ?? 10, 10),
        page_token: page.pageToken,
        locale: this.locale,
        sort_order: page.sortOrder,
        sort_field: page.sortField,
      },
    });
    const items = (Array.isArray(data.messages) ? data.messages : [])
      .map((m) => readMessage(m))
      .filter((m): m is TtsMessage => m !== undefined);
    const tips = strField(data, "unsupported_msg_tips");
    return {
      items,
      nextPageToken: strField(data, "next_page_token") ?? "",
      ...(tips ? { unsupportedMsgTips: tips } : {}),
    };
  }

  /** Sends one message; `content` is serialized into the JSON string the API expects. Returns message_id. */
  async sendMessage(
    shop: ShopAccess,
    conversationId: string,
    type: string,
    content: unknown,
  ): Promise<string> {
    const data = await this.shopCall(shop, "reply", {
      method: "POST",
      path: `${CS}/conversations/${encodeId(conversationId)}/messages`,
      json: { type, content: JSON.stringify(content) },
    });
    const id = idField(data, "message_id");
    if (!id) throw badResponse("send message returned no message_id");
    return id;
  }

  /** Marks every buyer message of the conversation read (all-or-nothing: no cursor can be passed). */
  async markRead(shop: ShopAccess, conversationId: string): Promise<void> {
    await this.shopCall(shop, "reply", {
      method: "POST",
      path: `${CS}/conversations/${encodeId(conversationId)}/messages/read`,
      json: {},
    });
  }

  /** Reopens or creates the conversation with a buyer (`user_id`, not `im_user_id`). */
  async createConversation(shop: ShopAccess, buyerUserId: string): Promise<string> {
    const data = await this.shopCall(shop, "reply", {
      method: "POST",
      path: `${CS}/conversations`,
      json: { buyer_user_id: buyerUserId },
    });
    const id = idField(data, "conversation_id");
    if (!id) throw badResponse("create conversation returned no conversation_id");
    return id;
  }

  /** Uploads an image (multipart field `data`) for use in an IMAGE message. */
  async uploadImage(
    shop: ShopAccess,
    image: { bytes: Uint8Array; contentType: string },
  ): Promise<{ url: string; width: number; height: number }> {
    const type = image.contentType.split(";")[0]!.trim().toLowerCase();
    if (
      !IMAGE_TYPES.includes(type) ||
      image.bytes.byteLength === 0 ||
      image.bytes.byteLength > MAX_IMAGE_BYTES
    ) {
      throw new TkError(
        TTS_ERR.IMAGE_REJECTED,
        `Tokopedia & Shop accepts JPG, PNG, GIF or WEBP images up to 10 MB (got ${type || "no type"}, ${image.bytes.byteLength} bytes).`,
        { fix: "Send the picture as JPG or PNG under 10 MB.", details: { retryable: false } },
      );
    }
    const boundary = `----tokokommo${randomBytes(12).toString("hex")}`;
    const ext = type.split("/")[1] === "jpeg" ? "jpg" : type.split("/")[1];
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="image.${ext}"\r\n` +
          `Content-Type: ${type}\r\n\r\n`,
      ),
      Buffer.from(image.bytes),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const data = await this.shopCall(shop, "reply", {
      method: "POST",
      path: `${CS}/images/upload`,
      multipart: { body, contentType: `multipart/form-data; boundary=${boundary}` },
    });
    const url = strField(data, "url");
    if (!url) throw badResponse("image upload returned no url");
    return { url, width: numField(data, "width") ?? 0, height: numField(data, "height") ?? 0 };
  }

  /** Get Customer Service Performance over [from, to) (YYYY-MM-DD): one aggregate; a counted CS call. */
  async csPerformance(shop: ShopAccess, period: { from: string; to: string }): Promise<CsPerformance> {
    const data = await this.shopCall(shop, "read", {
      method: "GET",
      path: "/customer_service/202407/performance",
      query: { support_date_ge: period.from, support_date_lt: period.to },
    });
    const p = data.performance as Record<string, unknown> | undefined;
    const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN);
    const out = {
      sessions: num(p?.support_session_count),
      responsePercentage: num(p?.response_percentage),
      responseTimeMinutes: num(p?.response_time_mins),
      satisfactionPercentage: num(p?.satisfaction_percentage),
    };
    if (Object.values(out).some((v) => !Number.isFinite(v)))
      throw badResponse("performance answer lacks its figures");
    return out;
  }

  /**
   * An Order API call (shop-scoped, signed like the rest): not a Customer Service call, so it neither spends nor
   * waits for the CS daily quota; `orderCalls` counts it.
   */
  async orderCall(
    shop: ShopAccess,
    call: Omit<Parameters<TikTokShopApi["call"]>[0], "accessToken" | "shopCipher">,
  ): Promise<Record<string, unknown>> {
    return this.auth.withAccessToken(shop.openId, (accessToken) => {
      this.orderCalls.take(shop.shopId);
      return this.api.call({ ...call, accessToken, shopCipher: shop.cipher });
    });
  }

  /**
   * Every Customer Service call goes through here: with a quota, each attempt is counted before it is sent (a
   * call the platform may have answered counts), and a 45101004 stops the shop's lane until the reset.
   */
  private async shopCall(
    shop: ShopAccess,
    lane: CallLane,
    call: Omit<Parameters<TikTokShopApi["call"]>[0], "accessToken" | "shopCipher">,
  ): Promise<Record<string, unknown>> {
    const quota = this.quota;
    try {
      return await this.auth.withAccessToken(shop.openId, async (accessToken) => {
        await quota?.take(shop.shopId, lane);
        return this.api.call({ ...call, accessToken, shopCipher: shop.cipher });
      });
    } catch (err) {
      if (
        quota &&
        isTkError(err) &&
        err.code === TTS_ERR.QUOTA_EXCEEDED &&
        err.details?.platformCode === 45101004
      )
        throw await quota.refused(shop.shopId, lane, err);
      throw err;
    }
  }
}

/** Ids go into the path; refuse anything that is not a plain id rather than build a different path. */
function encodeId(id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    throw new TkError(TTS_ERR.NOT_FOUND, `Not a Tokopedia & Shop conversation id: ${JSON.stringify(id)}.`, {
      fix: "Check the room id passed to the source.",
      details: { retryable: false },
    });
  }
  return id;
}

function badResponse(what: string): TkError {
  return new TkError(TTS_ERR.BAD_RESPONSE, `Tokopedia & Shop ${what}.`, {
    fix: "Report this with the request id; the API may have changed.",
    details: { retryable: false },
  });
}
