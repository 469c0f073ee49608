import { existsSync } from "node:fs";
import { type Config, loadConfig, resolveConfigPath } from "../../config/index.js";
import { isTkError } from "../../errors/index.js";
import { isPostgresUrl, redactStateUrl, resolveStatePath } from "../../store/state-location.js";
import type { StateReader } from "../../store/state-reader.js";
import type { CommandResult, GlobalOptions } from "../result.js";
import { formatTable } from "../table.js";
import { type ClusterStatus, clusterStatus, clusterText } from "./status-cluster.js";
import { type PendingLeadsLine, pendingLeadsText } from "./status-pending-leads.js";
import { type QuotaLine, quotaCell } from "./status-quota.js";
import { type ReplyStatus, replyStatusText } from "./status-replies.js";
import { type RoutingLine, routingText } from "./status-routing.js";
import { readShops, sweepIntervals } from "./status-shops.js";
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
  /** The state file's path, or the database URL with its password hidden. */
  statePath: string;
  /**
   * False when the state file does not exist yet (or the database holds no tokokommo tables): the daemon never ran
   * with this config.
   */
  everRun: boolean;
  shops: ShopStatusLine[];
  /** The config is a starter config (src/config/starter.ts): nothing is set up yet. */
  starter?: true;
  /** Jobs not tied to a configured shop (replies to unknown chats, shops removed from the config). */
  other: { shopKey: string | null; backlog: number; dead: number }[];
  /** State in PostgreSQL: the replicas alive and the replica sweeping each shop (absent for an SQLite file). */
  cluster?: ClusterStatus;
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
  database: boolean,
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
  const where = database
    ? `no tokokommo state in the database ${report.statePath} yet`
    : `no state file at ${report.statePath}`;
  const text = `never run: ${where} (start the daemon with \`tokokommo serve\`)\n${formatTable(
    ["SOURCE", "SHOP ID", "NAME", "HEALTH"],
    configured.map((s) => [s.source, s.shopId, s.name ?? "-", health(null)]),
  )}`;
  return { exitCode: 0, text, json: report };
}

/**
 * `tokokommo status [--json]`: per configured shop, from the state (an SQLite file opened read-only, or a PostgreSQL
 * database over read-only sessions, so it is safe while the daemon or its replicas run): last sync, last success,
 * backlog, dead jobs and the last error; on PostgreSQL also the replicas alive and which one sweeps which shop.
 * Exit 0 also when a shop is unhealthy: status reports; `doctor` judges.
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
  const pg = isPostgresUrl(statePath);
  const report: StatusReport = {
    statePath: pg ? redactStateUrl(statePath) : statePath,
    everRun: pg || existsSync(statePath),
    shops: [],
    other: [],
  };
  if (!report.everRun) return neverRun(config, configured, report, pg);
  const { openStateReader } = await import("../../store/open-state-reader.js");
  let reader: StateReader;
  try {
    reader = await openStateReader(statePath, process.env);
  } catch (err) {
    // A database no replica has started on yet is what a missing file is: nothing has run.
    if (!pg || !isTkError(err) || err.code !== "TK_ERR_STATE_MISSING") throw err;
    report.everRun = false;
    return neverRun(config, configured, report, pg);
  }
  try {
    const shops = await readShops(config, reader, statePath, Date.now());
    report.shops = shops.shops;
    report.other = shops.other;
    if (reader.cluster) {
      const keys = configured.map((s) => `${s.source}:${s.shopId}`);
      report.cluster = clusterStatus(await reader.cluster(Date.now()), keys);
    }
  } finally {
    await reader.close();
  }
  return { exitCode: 0, text: renderText(report), json: report };
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
  if (r.cluster) lines.push(...clusterText(r.cluster));
  const dead = r.shops.reduce((n, s) => n + s.dead, 0) + r.other.reduce((n, o) => n + o.dead, 0);
  if (dead > 0) lines.push(`${dead} dead job(s): re-queue them with \`tokokommo retry --dead\``);
  return lines.join("\n");
}
