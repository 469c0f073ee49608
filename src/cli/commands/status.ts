import { existsSync } from "node:fs";
import { effectiveIntervalMs } from "../../bridge/sweep-scheduler.js";
import { type Config, loadConfig, resolveConfigPath } from "../../config/index.js";
import { resolveStatePath } from "../../store/state-location.js";
import type { CommandResult, GlobalOptions } from "../result.js";
import { formatTable } from "../table.js";
import { type PendingLeadsLine, pendingLeadsByShop, pendingLeadsText } from "./status-pending-leads.js";
import { type QuotaLine, quotaCell, quotaLine } from "./status-quota.js";
import { type ReplyStatus, replyStatus, replyStatusText } from "./status-replies.js";
import { type RoutingLine, routingLines, routingText } from "./status-routing.js";
import { starterStatus } from "./status-starter.js";

/** One configured shop as `status` reports it (the --json shape; times are ms since the epoch, or null). */
export interface ShopStatusLine {
  source: string;
  shopId: string;
  name: string | null;
  /** Last sweep or room sync that ran for the shop, successful or not. */
  lastSyncAt: number | null;
  lastSuccessAt: number | null;
  /** Jobs waiting or running (pending + running). */
  backlog: number;
  dead: number;
  lastErrorCode: string | null;
  lastError: string | null;
  lastErrorAt: number | null;
  /** False until the daemon has synced the shop once (successfully or not). */
  everSynced: boolean;
  /**
   * true: synced, no error since the last success; false: the latest sync (or platform event) failed; null: never
   * synced, so nothing is known yet.
   */
  healthy: boolean | null;
  /**
   * How often the shop is swept now (ms): the configured interval, stretched so that an app's shops fit its rate
   * (Tokopedia) and while the shop is idle (up to 10 min). null in `webhook` mode (no periodic sweeps).
   */
  sweepIntervalMs: number | null;
  /** TikTok Shop shops: today's Customer Service calls against the daily quota (see status-quota.ts). */
  quota?: QuotaLine;
  /** Tokopedia & Shop shops: Order API calls today (orders on leads; not Customer Service calls). */
  orderCallsToday?: number;
  /** Shops with a pipeline, while a daemon runs: how their leads reach it (status-routing.ts). */
  routing?: RoutingLine;
  /** Reply times: waiting now, the oldest wait, the last 7 days' figures (and the platform's own, when fetched). */
  replies?: ReplyStatus;
  /** Leads held back in Kommo's incoming stage until a person accepts them (none: absent). */
  leadsAwaitingAcceptance?: PendingLeadsLine;
}

export interface StatusReport {
  statePath: string;
  /** False when the state file does not exist yet: the daemon never ran with this config. */
  everRun: boolean;
  shops: ShopStatusLine[];
  /** The config is a starter config (src/config/starter.ts): nothing is set up yet. */
  starter?: true;
  /** Jobs not tied to a configured shop (replies to unknown chats, shops removed from the config). */
  other: { shopKey: string | null; backlog: number; dead: number }[];
}

/** The sweep interval of each configured shop, as the daemon's scheduler computes it (sweep-scheduler.ts). */
function sweepIntervals(
  config: Config,
  /** Latest activity per shop key; undefined when the daemon never ran. */
  lastActivity: Map<string, number> | undefined,
  now: number,
): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const sharing = new Map<string, number>();
  for (const s of config.shops)
    sharing.set(`${s.source}:${s.app}`, (sharing.get(`${s.source}:${s.app}`) ?? 0) + 1);
  for (const s of config.shops) {
    const key = `${s.source}:${s.shopId}`;
    if (config.sync.mode === "webhook") {
      out.set(key, null);
      continue;
    }
    const rate =
      s.source === "tokopedia"
        ? config.tokopedia.apps.find((a) => a.name === s.app)?.requestsPerSecond
        : undefined;
    const last = lastActivity?.get(key);
    out.set(
      key,
      effectiveIntervalMs({
        baseMs: config.sync.pollIntervalSeconds * 1000,
        shopsSharing: sharing.get(`${s.source}:${s.app}`) ?? 1,
        callsPerSecond: rate,
        // No state yet: nothing is idle. No stored activity: idle since ever (a daemon that has just started
        // sweeps faster for a while, see operations.md).
        quietMs: !lastActivity ? 0 : last === undefined ? Number.POSITIVE_INFINITY : now - last,
      }),
    );
  }
  return out;
}

function every(ms: number | null): string {
  if (ms === null) return "-";
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 100) / 10}s`;
}

function when(ms: number | null): string {
  return ms === null ? "never" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Before the daemon's first start: every configured shop, never synced. */
function neverRun(
  config: Config,
  configured: { source: string; shopId: string; name: string | null }[],
  report: StatusReport,
): CommandResult {
  report.shops = configured.map((s) => ({
    ...s,
    lastSyncAt: null,
    lastSuccessAt: null,
    backlog: 0,
    dead: 0,
    lastErrorCode: null,
    lastError: null,
    lastErrorAt: null,
    everSynced: false,
    healthy: null,
    // Nothing is known yet, so no shop counts as idle: the daemon starts at the paced interval.
    sweepIntervalMs: sweepIntervals(config, undefined, 0).get(`${s.source}:${s.shopId}`) ?? null,
  }));
  const text = `never run: no state file at ${report.statePath} (start the daemon with \`tokokommo serve\`)\n${formatTable(
    ["SOURCE", "SHOP ID", "NAME", "HEALTH"],
    configured.map((s) => [s.source, s.shopId, s.name ?? "-", health(null)]),
  )}`;
  return { exitCode: 0, text, json: report };
}

/**
 * `tokokommo status [--json]`: per configured shop, from the state file (opened read-only, so it is safe while
 * the daemon runs): last sync, last success, backlog, dead jobs and the last error. Exit 0 also when a shop is
 * unhealthy: status reports; `doctor` judges.
 */
export async function statusCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  const configPath = resolveConfigPath({ config: globals.config }, process.env);
  const starter = starterStatus(configPath);
  if (starter) return starter;
  // Secrets may live only in the daemon's env file: status never calls the platforms, so it needs none.
  const config = loadConfig(configPath, process.env, { secretsOptional: true });
  // --state, like serve's, is taken from the current directory; the config's statePath from the config's.
  const statePath =
    typeof opts.state === "string" ? resolveStatePath(opts.state, process.cwd()) : config.statePath;
  const configured = config.shops.map((s) => ({
    source: s.source as string,
    shopId: String(s.shopId),
    name: s.name ?? null,
  }));
  const appOf = new Map(config.shops.map((s) => [`${s.source}:${s.shopId}`, s.app]));
  const report: StatusReport = { statePath, everRun: existsSync(statePath), shops: [], other: [] };
  if (!report.everRun) return neverRun(config, configured, report);
  const { openStore } = await import("../../store/index.js");
  const store = openStore(statePath, { readonly: true });
  try {
    const health = new Map(store.shopStatus.listShopStatus().map((h) => [`${h.source}:${h.shopId}`, h]));
    const counts = new Map(store.jobs.counts().map((c) => [c.shopKey, c]));
    const routes = routingLines(config, statePath);
    const pending = pendingLeadsByShop(await store.pendingLeads.list());
    const intervals = sweepIntervals(
      config,
      new Map(store.rooms.lastMarkedByShop().map((r) => [`${r.source}:${r.shopId}`, r.at])),
      Date.now(),
    );
    for (const s of configured) {
      const key = `${s.source}:${s.shopId}`;
      const h = health.get(key);
      const c = counts.get(key);
      counts.delete(key);
      report.shops.push({
        ...s,
        lastSyncAt: h?.lastSyncAt ?? null,
        lastSuccessAt: h?.lastSuccessAt ?? null,
        backlog: (c?.pending ?? 0) + (c?.running ?? 0),
        dead: c?.dead ?? 0,
        lastErrorCode: h?.lastErrorCode ?? null,
        lastError: h?.lastError ?? null,
        lastErrorAt: h?.lastErrorAt ?? null,
        ...syncHealth(h),
        sweepIntervalMs: intervals.get(key) ?? null,
      });
      const line = report.shops[report.shops.length - 1]!;
      const routing = routes.get(key);
      if (routing) line.routing = routing;
      const held = pending.get(key);
      if (held) line.leadsAwaitingAcceptance = held;
      const quota = await quotaLine(config, store, { ...s, app: appOf.get(key) ?? "" }, Date.now());
      line.replies = await replyStatus(config, store.replyWaits, s, Date.now());
      if (s.source === "tiktokshop")
        line.orderCallsToday = await store.orderNotes.callsOn(s.source, s.shopId, Date.now());
      if (quota) {
        line.quota = quota;
        // The daemon's scheduler stretches the interval to the quota's polling share too (sweep-floor.ts).
        const floorMs = (quota.sweepStretchedToSeconds ?? 0) * 1000;
        if (line.sweepIntervalMs !== null) line.sweepIntervalMs = Math.max(line.sweepIntervalMs, floorMs);
      }
    }
    for (const c of counts.values()) {
      report.other.push({ shopKey: c.shopKey, backlog: c.pending + c.running, dead: c.dead });
    }
  } finally {
    store.close();
  }
  return { exitCode: 0, text: renderText(report), json: report };
}

/** A shop's health row as status reports it: a failure is a failure even before any success. */
function syncHealth(
  h: { healthy: boolean; lastSyncAt: number | null; lastSuccessAt: number | null } | undefined,
): Pick<ShopStatusLine, "everSynced" | "healthy"> {
  const everSynced = h !== undefined && (h.lastSyncAt !== null || h.lastSuccessAt !== null);
  if (h && !h.healthy) return { everSynced, healthy: false };
  return { everSynced, healthy: everSynced ? true : null };
}

function health(healthy: boolean | null): string {
  return healthy === null ? "never synced" : healthy ? "ok" : "failing";
}

function renderText(r: StatusReport): string {
  const table = formatTable(
    [
      "SOURCE",
      "SHOP ID",
      "NAME",
      "SWEEP EVERY",
      "LAST SYNC",
      "LAST SUCCESS",
      "BACKLOG",
      "DEAD",
      "HEALTH",
      "LAST ERROR",
    ],
    r.shops.map((s) => [
      s.source,
      s.shopId,
      s.name ?? "-",
      every(s.sweepIntervalMs),
      when(s.lastSyncAt),
      when(s.lastSuccessAt),
      String(s.backlog),
      String(s.dead),
      health(s.healthy),
      s.lastErrorCode
        ? `${s.healthy ? "(recovered) " : ""}${s.lastErrorCode}: ${s.lastError ?? ""} at ${when(s.lastErrorAt)}`
        : "-",
    ]),
  );
  const lines = [`state: ${r.statePath}`, table];
  for (const s of r.shops) if (s.quota) lines.push(`quota ${s.source}:${s.shopId}: ${quotaCell(s.quota)}`);
  for (const s of r.shops) if (s.routing) lines.push(routingText(`${s.source}:${s.shopId}`, s.routing));
  for (const s of r.shops) {
    if (s.orderCallsToday) lines.push(`order calls ${s.source}:${s.shopId} today: ${s.orderCallsToday}`);
  }
  for (const s of r.shops) if (s.replies) lines.push(replyStatusText(`${s.source}:${s.shopId}`, s.replies));
  for (const s of r.shops) {
    const held = s.leadsAwaitingAcceptance;
    if (held) lines.push(pendingLeadsText(`${s.source}:${s.shopId}`, held, Date.now()));
  }
  for (const o of r.other) {
    lines.push(`other jobs (${o.shopKey ?? "no shop"}): backlog ${o.backlog}, dead ${o.dead}`);
  }
  const dead = r.shops.reduce((n, s) => n + s.dead, 0) + r.other.reduce((n, o) => n + o.dead, 0);
  if (dead > 0) lines.push(`${dead} dead job(s): re-queue them with \`tokokommo retry --dead\``);
  return lines.join("\n");
}
