/**
 * One import run over one shop: the platform clients built from the config as the daemon builds them, on the same
 * state (so TikTok Shop calls are counted in the same daily quota the daemon counts), progress shown as the walk
 * goes, and the summary the CLI prints.
 *
 * Beside the daemon. The import is a process of its own on the daemon's state. On an SQLite file it shares what
 * the file holds (tokens, TikTok Shop call counts, the delivered messages) and paces its own calls, waiting out
 * any "too fast" the platforms answer. On PostgreSQL it also takes the budgets the replicas share through the
 * database, as one more replica would: Kommo's 7 requests/s per account, each Tokopedia app's rate, and the
 * cluster's refresh lock (one refresh of a token at a time, cluster-wide). It is no replica: it writes no
 * heartbeat and holds no shop's sweeps.
 */

import { syncLeadSources } from "../bridge/lead-sources.js";
import { Topology } from "../bridge/topology.js";
import type { CommandIO } from "../cli/result.js";
import type { Config, Shop } from "../config/index.js";
import type { DaemonState } from "../daemon/daemon-state.js";
import { replicaWiring } from "../daemon/replica-wiring.js";
import { buildBindings, type TopologyDeps } from "../daemon/topology-from-config.js";
import { progressReporter, summaryText } from "./display.js";
import { type ImportOptions, type ImportProgress, walkShop } from "./walk.js";

export interface ImportRun {
  progress: ImportProgress;
  text: string;
}

export async function runImport(
  config: Config,
  state: DaemonState,
  bound: Shop,
  o: ImportOptions,
  signal: AbortSignal,
  io: CommandIO,
  json: boolean,
  onProgress: (p: ImportProgress) => void,
): Promise<ImportRun> {
  const topology = new Topology(buildBindings(config, topologyDeps(state), new Map()));
  const shop = topology.shop(bound.source, bound.shopId);
  if (!shop) throw new Error(`shop ${bound.shopId}: no binding after validation`);
  // The imported chats carry the shop's lead source like live ones (lead-sources.ts).
  if (!o.dryRun) await syncLeadSources([shop]);
  // --json: stdout carries the report alone.
  const reporter = progressReporter(json ? () => {} : io.write, process.stdout.isTTY === true, o.dryRun);
  try {
    const progress = await walkShop(o, {
      shop,
      imports: state.imports,
      state: state.engineStore,
      now: Date.now,
      signal,
      onProgress: (p) => {
        onProgress(p);
        reporter.update(p);
      },
    });
    return { progress, text: summaryText(progress, o.days, o.dryRun) };
  } finally {
    reporter.end();
  }
}

/** The clients' state: on PostgreSQL under the budgets and the refresh lock the replicas share (see the top). */
function topologyDeps(state: DaemonState): TopologyDeps {
  const base = { tokenKeys: (prefix: string) => state.tokenKeys(prefix), callCounts: state.callCounts };
  if (!state.coordinator) return { ...base, tokenStore: state.tokens };
  // Not started: no heartbeat, no shop leases; only the shared budgets and the refresh lock are used.
  const cluster = replicaWiring(state.coordinator, { shops: () => [], taken: () => undefined });
  return { ...base, tokenStore: cluster.hooks.tokenStore(state.tokens), shared: cluster };
}
