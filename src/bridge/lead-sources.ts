/**
 * Routing per shop through Kommo's Sources API (docs/configuration.md#routing-per-shop): every shop with a
 * `pipelineId` has one lead source of the integration in its Kommo account, whose `external_id` is derived from the
 * shop key and whose `pipeline_id` is the shop's pipeline; every amojo message and chat of the shop names that
 * source, so Kommo makes the chat's incoming lead in the shop's pipeline.
 *
 * syncLeadSources() makes the sources match the config at daemon start and on every reload, with few REST calls per
 * account: one GET filtered by all the shops' external ids, one POST for the missing, one PATCH for those whose
 * pipeline or name changed (Kommo routes only leads made afterwards by the new pipeline). When Kommo refuses the
 * Sources API (403: no admin, or no lead_sources location) or the sync fails, the account's state says "moved after
 * acceptance" with the reason: no source is sent, the leads land in the default pipeline and are moved into the
 * shop's pipeline later (by the lead code, which notices a lead outside its shop's pipeline).
 */
import { createHash } from "node:crypto";
import { shopKey } from "../domain/marketplace.js";
import { isTkError } from "../errors/index.js";
import type { KommoSourceRecord } from "./ports.js";
import type { KommoAccountBinding, ShopBinding } from "./topology.js";

/** What the account's routing came to at the last sync. */
export type LeadSourcesState =
  | { mode: "sources"; ids: Map<string, number> }
  | {
      mode: "moved";
      why: string;
      code?: string /** The cause may pass (Kommo down): retryLeadSources tries again. */;
      retryable?: boolean;
    };

/** Kommo's Sources API takes up to 36 printable ASCII characters (space included) as `external_id`. */
export const MAX_EXTERNAL_ID = 36;
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * The shop's source `external_id`: `tk:<source>:<shopId>` when that is printable ASCII and at most 35 characters,
 * else a readable prefix and `~` and 12 hex digits of its SHA-256 (exactly 36), so the two forms never meet, and two
 * shops get the same id only if their keys' hashes collide. Stable: the same shop always gets the same id.
 */
export function sourceExternalId(source: ShopBinding["source"], shopId: string): string {
  const full = `tk:${shopKey(source, shopId)}`;
  if (full.length < MAX_EXTERNAL_ID && PRINTABLE.test(full)) return full;
  const hash = createHash("sha256").update(full, "utf8").digest("hex").slice(0, 12);
  const readable = full
    .replace(/[^\x20-\x7e]/g, "_")
    .slice(0, MAX_EXTERNAL_ID - 13)
    .padEnd(MAX_EXTERNAL_ID - 13, "_");
  return `${readable}~${hash}`;
}

/** The `external_id` the shop's messages and chats carry now, or undefined (no pipeline, or sources not in use). */
export function shopSourceId(shop: ShopBinding): string | undefined {
  if (shop.routing?.pipelineId === undefined) return undefined;
  const state = shop.kommo.leadSources;
  if (state?.mode !== "sources") return undefined;
  const id = sourceExternalId(shop.source, shop.shopId);
  return state.ids.has(id) ? id : undefined;
}

export type LeadSourcesLog = (level: "info" | "warn", msg: string, details: Record<string, unknown>) => void;

/** Syncs the sources of every account with routed shops (sequentially: each account has its own REST budget). */
export async function syncLeadSources(shops: ShopBinding[], log?: LeadSourcesLog): Promise<void> {
  const byAccount = new Map<KommoAccountBinding, ShopBinding[]>();
  for (const shop of shops) {
    if (shop.routing?.pipelineId === undefined) continue;
    byAccount.set(shop.kommo, [...(byAccount.get(shop.kommo) ?? []), shop]);
  }
  for (const [account, routed] of byAccount) {
    const before = account.leadSources;
    account.leadSources = await syncAccount(account, routed);
    logOutcome(account, before, log);
  }
}

async function syncAccount(account: KommoAccountBinding, shops: ShopBinding[]): Promise<LeadSourcesState> {
  const rest = account.rest;
  if (!rest?.sources || !rest.createSources || !rest.updateSources) {
    return { mode: "moved", why: "the account has no Kommo REST access (kommo.accounts[].auth)" };
  }
  const wanted = shops.map((s) => ({
    externalId: sourceExternalId(s.source, s.shopId),
    name: s.shopName,
    pipelineId: s.routing?.pipelineId as number,
  }));
  try {
    const existing = new Map(
      (await rest.sources(wanted.map((w) => w.externalId))).map((s) => [s.externalId, s]),
    );
    const missing = wanted.filter((w) => !existing.has(w.externalId));
    const changed: KommoSourceRecord[] = [];
    for (const w of wanted) {
      const have = existing.get(w.externalId);
      if (have && (have.pipelineId !== w.pipelineId || have.name !== w.name)) changed.push({ ...have, ...w });
    }
    const made = missing.length > 0 ? await rest.createSources(missing) : [];
    if (changed.length > 0) await rest.updateSources(changed);
    const ids = new Map<string, number>();
    for (const s of [...existing.values(), ...made]) ids.set(s.externalId, s.id);
    return { mode: "sources", ids };
  } catch (err) {
    const code = isTkError(err) ? err.code : undefined;
    const why =
      code === "TK_ERR_KOMMO_SOURCES_REFUSED"
        ? "Kommo refused its Sources API (HTTP 403: the token is not an admin, or the widget lacks the lead_sources location)"
        : `the Sources API call failed (${err instanceof Error ? err.message : String(err)})`;
    const retryable = isTkError(err) && err.details?.retryable === true;
    return { mode: "moved", why, ...(code ? { code } : {}), ...(retryable ? { retryable } : {}) };
  }
}

/**
 * Syncs again, every `everyMs` until `signal` aborts, the accounts that fell back for a cause that may pass (Kommo
 * unreachable or answering 5xx at start), so a short outage does not leave their shops on the fallback until the
 * next reload. A refusal (403) is not retried: it lasts until someone changes the integration, then reloads.
 */
export function retryLeadSources(
  shops: () => ShopBinding[],
  signal: AbortSignal,
  o: { log?: LeadSourcesLog | undefined; everyMs?: number; onSynced?: () => void } = {},
): void {
  const { log, everyMs = 60_000 } = o;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (signal.aborted) return;
    timer = setTimeout(async () => {
      const all = shops();
      const waiting = new Set(
        all.map((s) => s.kommo).filter((k) => k.leadSources?.mode === "moved" && k.leadSources.retryable),
      );
      if (waiting.size > 0 && !signal.aborted)
        await syncLeadSources(
          all.filter((s) => waiting.has(s.kommo)),
          log,
        ).then(() => o.onSynced?.());
      schedule();
    }, everyMs);
    timer.unref();
  };
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  schedule();
}

/** Per Kommo account with routed shops, its routing now: for the daemon's runtime card (`status` reads it). */
export function routingCard(
  shops: ShopBinding[],
): Record<string, { way: "sources" | "moved"; why?: string }> {
  const out: Record<string, { way: "sources" | "moved"; why?: string }> = {};
  for (const s of shops) {
    const st = s.kommo.leadSources;
    if (s.routing?.pipelineId === undefined || !st) continue;
    out[s.kommo.name] = st.mode === "sources" ? { way: "sources" } : { way: "moved", why: st.why };
  }
  return out;
}

/** One line when the account's routing changed (not on every reload that changed nothing). */
function logOutcome(
  account: KommoAccountBinding,
  before: LeadSourcesState | undefined,
  log?: LeadSourcesLog,
) {
  const now = account.leadSources;
  if (!log || !now) return;
  if (now.mode === "sources") {
    if (before?.mode !== "sources")
      log("info", "routing per shop: via Kommo lead sources", {
        account: account.name,
        sources: now.ids.size,
      });
    return;
  }
  if (before?.mode === "moved" && before.why === now.why) return;
  log(
    "warn",
    "routing per shop: no Kommo lead sources; leads are moved into their pipeline after Kommo made them",
    {
      account: account.name,
      why: now.why,
      ...(now.code ? { code: now.code } : {}),
      fix: 'authorize the integration with an admin user and upload a widget archive declaring "locations": ["lead_sources"], then reload',
    },
  );
}
