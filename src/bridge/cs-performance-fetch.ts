/**
 * The platform's own Customer Service figures per shop (Tokopedia & Shop's Get Customer Service Performance), shown
 * by `status` beside the bridge's own. Fetched by the reply-time guard's tick at most once a day per shop: the time
 * of the last fetch is kept in the state file with the figures, so a restart does not fetch again; a failed fetch
 * is tried again an hour later at the earliest (the call counts against the shop's daily Customer Service quota).
 */
import type { CsPerformance } from "../sources/types.js";
import { classifyError } from "./error-policy.js";
import type { ReplyGuardStore } from "./reply-guard-store.js";
import type { ShopBinding } from "./topology.js";

const DAY_MS = 86_400_000;
export const CS_PERFORMANCE_EVERY_MS = DAY_MS;
const RETRY_AFTER_FAILURE_MS = 3_600_000;
/** The period asked for: the 7 whole UTC days before today. */
const PERIOD_DAYS = 7;

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class CsPerformanceFetcher {
  /** Last attempt per shop in this process (a failure is not retried within the hour). */
  private readonly tried = new Map<string, number>();

  constructor(
    private readonly o: {
      store: ReplyGuardStore;
      now: () => number;
      log?: (level: "warn", msg: string, details: Record<string, unknown>) => void;
    },
  ) {}

  /** Fetches the figures of each shop whose cached ones are a day old (or missing). */
  async refresh(shops: ShopBinding[]): Promise<void> {
    for (const shop of shops) {
      const source = shop.app.marketplace;
      if (!source.csPerformance) continue;
      const now = this.o.now();
      const key = `${shop.source}:${shop.shopId}`;
      const cached = await this.o.store.csPerformance(shop.source, shop.shopId);
      if (cached && now - cached.fetchedAt < CS_PERFORMANCE_EVERY_MS) continue;
      const tried = this.tried.get(key);
      if (tried !== undefined && now - tried < RETRY_AFTER_FAILURE_MS) continue;
      this.tried.set(key, now);
      const period = { from: ymd(now - PERIOD_DAYS * DAY_MS), to: ymd(now) };
      let figures: CsPerformance;
      try {
        figures = await source.csPerformance(shop.shopId, period);
      } catch (err) {
        this.o.log?.("warn", "could not fetch the shop's Customer Service figures; tried again in an hour", {
          code: classifyError(err).code,
          source: shop.source,
          shop: shop.shopId,
          error: err instanceof Error ? err.message : String(err),
        });
        continue;
      }
      await this.o.store.saveCsPerformance(shop.source, shop.shopId, now, { ...figures, ...period });
    }
  }
}
