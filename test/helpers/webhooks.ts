/** Waiting on the TikTok Shop simulator's webhook deliveries in end-to-end tests. */
import type { TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { waitFor } from "./wait.js";

/**
 * Waits until every notification the simulator sent is settled: answered (200 or 401, the platform's "taken"), or
 * refused on its first attempt and each of its `retries` retries, after which the platform drops it. Until then a
 * retry may still come, and with it a message the daemon must not deliver twice.
 */
export async function waitForWebhooksSettled(
  sim: TikTokShopSim,
  retries: number,
  timeoutMs = 10_000,
): Promise<void> {
  await waitFor(
    "every webhook answered or given up",
    () => {
      const attempts = new Map<string, { ok: boolean; n: number }>();
      for (const d of sim.webhookDeliveries()) {
        if (d.attempt < 1) continue; // a test's own redelivery, not the platform's schedule
        const a = attempts.get(d.notificationId) ?? { ok: false, n: 0 };
        attempts.set(d.notificationId, { ok: a.ok || d.ok, n: a.n + 1 });
      }
      return sim.webhooksSent().every((n) => {
        const a = attempts.get(n.notificationId);
        return a !== undefined && (a.ok || a.n > retries);
      });
    },
    timeoutMs,
  );
}
