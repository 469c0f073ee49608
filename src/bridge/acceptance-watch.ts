/**
 * Learns that pending leads were accepted (docs/platforms/kommo.md#incoming-leads): once per interval (a minute by
 * default), and only while some lead is pending, one batched read per Kommo account of the pending leads' stages
 * (up to 250 ids per call, through the account's 7/s limiter). A lead out of incoming gets its held-back
 * enrichment in one PATCH and leaves the list; a lead missing from the answer was declined or deleted and leaves the
 * list too (logged); a lead still incoming waits for the next round. A failed read or write leaves the lead pending
 * for the next round. Leads of a shop that left the config stay pending until it is bound again.
 */

import { enrichAccepted } from "./enrich-lead.js";
import { classifyError } from "./error-policy.js";
import type { IncomingLeadsPort, PendingLead, PendingLeadsPort } from "./pending-leads-port.js";
import type { ShopBinding, Topology } from "./topology.js";

export interface AcceptanceWatchOptions {
  /** The shops whose pending leads this process checks (with replicas, those it holds the lease of). */
  topology: Pick<Topology, "shopByKey">;
  pendingLeads: PendingLeadsPort;
  /** Between two rounds, default 60 s (a lead is enriched within about one interval of its acceptance). */
  intervalMs?: number;
  log?: (level: "info" | "warn", msg: string, details?: Record<string, unknown>) => void;
  /** Told of each lead enriched after its acceptance (the engine refreshes its orders note and sale value). */
  onEnriched?: (lead: PendingLead) => Promise<void>;
}

export const DEFAULT_ACCEPTANCE_CHECK_MS = 60_000;

interface AccountBatch {
  api: IncomingLeadsPort;
  items: { lead: PendingLead; shop: ShopBinding }[];
}

export class AcceptanceWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly o: AcceptanceWatchOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round now (also what the timer runs); a round already running is awaited instead. */
  async checkNow(): Promise<void> {
    if (!this.running) this.running = this.round().finally(() => (this.running = undefined));
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkNow().finally(() => this.schedule());
    }, this.o.intervalMs ?? DEFAULT_ACCEPTANCE_CHECK_MS);
    this.timer.unref?.();
  }

  private async round(): Promise<void> {
    let pending: PendingLead[];
    try {
      pending = await this.o.pendingLeads.list();
    } catch (err) {
      this.warn("pending leads could not be read from the state file; trying again next round", err);
      return;
    }
    if (pending.length === 0) return;
    await Promise.all([...this.byAccount(pending).values()].map((b) => this.checkAccount(b)));
  }

  /** Groups pending leads by the REST client of their shop (one client per Kommo account). */
  private byAccount(pending: PendingLead[]): Map<IncomingLeadsPort, AccountBatch> {
    const batches = new Map<IncomingLeadsPort, AccountBatch>();
    for (const lead of pending) {
      const shop = this.o.topology.shopByKey(lead.shopKey);
      const api = shop?.kommo.rest?.incoming;
      if (!shop || !api) continue;
      const batch = batches.get(api) ?? { api, items: [] };
      batch.items.push({ lead, shop });
      batches.set(api, batch);
    }
    return batches;
  }

  private async checkAccount(batch: AccountBatch): Promise<void> {
    let found: Map<number, Awaited<ReturnType<IncomingLeadsPort["readLeads"]>>[number]>;
    try {
      const ids = [...new Set(batch.items.map((i) => i.lead.leadId))];
      found = new Map((await batch.api.readLeads(ids)).map((l) => [l.id, l]));
    } catch (err) {
      this.warn("reading pending leads from Kommo failed; trying again next round", err);
      return;
    }
    for (const { lead, shop } of batch.items) {
      if (this.stopped) return; // shutting down: the rest waits in the state file for the next start
      const now = found.get(lead.leadId);
      if (now?.incoming) continue;
      try {
        if (now) {
          await enrichAccepted(batch.api, shop.routing, now, lead.tags);
          await this.o.onEnriched?.(lead);
        } else
          this.o.log?.("info", "a pending lead was declined or deleted in Kommo; it is not tagged", {
            shop: lead.shopKey,
            lead: lead.leadId,
          });
        await this.o.pendingLeads.remove(lead.shopKey, lead.leadId);
      } catch (err) {
        this.warn("enriching an accepted lead failed; trying again next round", err, lead);
      }
    }
  }

  private warn(msg: string, err: unknown, lead?: PendingLead): void {
    this.o.log?.("warn", msg, {
      code: classifyError(err).code,
      error: err instanceof Error ? err.message : String(err),
      ...(lead ? { shop: lead.shopKey, lead: lead.leadId } : {}),
    });
  }
}
