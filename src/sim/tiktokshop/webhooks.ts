/**
 * Webhook emitter of the simulated platform (docs/platforms/tiktokshop.md#webhooks): POST {type,
 * tts_notification_id, shop_id, timestamp, data} signed with Authorization = HMAC(app_secret, app_key + body).
 * Success is 200 or 401 within the timeout (3 s); anything else is retried on a schedule (2 min, 30 min, 3 h, 12 h
 * by default — tests shrink it). A redelivery sends the same bytes with the same notification id.
 */
import { signWebhookBody } from "../../sources/tiktokshop/signing.js";
import { nextId } from "./state.js";

export interface WebhookDelivery {
  notificationId: string;
  type: number;
  attempt: number;
  /** HTTP status, or 0 when the request failed (timeout, refused). */
  status: number;
  ok: boolean;
  at: number;
}

export interface Notification {
  notificationId: string;
  type: number;
  shopId: string;
  body: string;
  headers: Record<string, string>;
}

export interface WebhookEmitterOptions {
  appKey: string;
  appSecret: string;
  url?: string | undefined;
  timeoutMs: number;
  retryDelaysMs: number[];
  nowSec: () => number;
}

export class WebhookEmitter {
  readonly deliveries: WebhookDelivery[] = [];
  readonly sent: Notification[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Notifications held back by hold(), in the order they were made. */
  private held: Notification[] | undefined;

  constructor(private readonly o: WebhookEmitterOptions) {}

  setUrl(url: string | undefined): void {
    this.o.url = url;
  }

  /** Builds and signs a notification; `deliver` false only builds it (for tests that post it themselves). */
  emit(type: number, shopId: string, data: Record<string, unknown>, deliver = true): Notification {
    const notificationId = nextId();
    const body = JSON.stringify({
      type,
      tts_notification_id: notificationId,
      shop_id: shopId,
      timestamp: this.o.nowSec(),
      data,
    });
    const n: Notification = {
      notificationId,
      type,
      shopId,
      body,
      headers: {
        "content-type": "application/json",
        authorization: signWebhookBody(this.o.appKey, this.o.appSecret, body),
      },
    };
    if (deliver) {
      this.sent.push(n);
      if (this.held) this.held.push(n);
      else this.track(this.attempt(n, 1));
    }
    return n;
  }

  /** Holds new notifications back until release() (the platform's deliveries are concurrent and may cross). */
  hold(): void {
    this.held ??= [];
  }

  /** Delivers the held notifications one after another, oldest first or newest first, and stops holding. */
  async release(order: "oldest-first" | "newest-first" = "oldest-first"): Promise<void> {
    const list = this.held ?? [];
    this.held = undefined;
    if (order === "newest-first") list.reverse();
    for (const n of list) {
      const p = this.attempt(n, 1);
      this.track(p);
      await p;
    }
  }

  /** Sends the last notification again, `times` times, as a platform retry would (same id, same bytes). */
  async redeliverLast(times: number): Promise<void> {
    const last = this.sent[this.sent.length - 1];
    if (!last) return;
    for (let i = 0; i < times; i++) await this.post(last, -1);
  }

  /** Waits for every in-flight delivery (not the scheduled retries). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async attempt(n: Notification, attempt: number): Promise<void> {
    const ok = await this.post(n, attempt);
    if (ok || this.closed) return;
    const delay = this.o.retryDelaysMs[attempt - 1];
    if (delay === undefined) return; // retries exhausted: the platform drops the event
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.track(this.attempt(n, attempt + 1));
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  private async post(n: Notification, attempt: number): Promise<boolean> {
    if (!this.o.url || this.closed) return false;
    let status = 0;
    try {
      const res = await fetch(this.o.url, {
        method: "POST",
        headers: n.headers,
        body: n.body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    // The docs list 200 and 401 (signature rejected) as the acceptable answers.
    const ok = status === 200 || status === 401;
    this.deliveries.push({
      notificationId: n.notificationId,
      type: n.type,
      attempt,
      status,
      ok,
      at: Date.now(),
    });
    return ok;
  }
}
