/**
 * One import run over one shop: the platform clients built from the config as the daemon builds them (same
 * state file, so TikTok Shop calls are counted in the same daily quota the daemon counts), progress shown as the
 * walk goes, and the summary the CLI prints.
 */

import { syncLeadSources } from "../bridge/lead-sources.js";
import { Topology } from "../bridge/topology.js";
import type { CommandIO } from "../cli/result.js";
import type { Config, Shop } from "../config/index.js";
import { buildBindings } from "../daemon/topology-from-config.js";
import { ImportRepo } from "../store/imports.js";
import type { Store } from "../store/index.js";
import { progressReporter, summaryText } from "./display.js";
import { type ImportOptions, type ImportProgress, walkShop } from "./walk.js";

export interface ImportRun {
  progress: ImportProgress;
  text: string;
}

export async function runImport(
  config: Config,
  store: Store,
  bound: Shop,
  o: ImportOptions,
  signal: AbortSignal,
  io: CommandIO,
  json: boolean,
  onProgress: (p: ImportProgress) => void,
): Promise<ImportRun> {
  const deps = {
    tokenStore: store.tokens,
    tokenKeys: (prefix: string) => store.tokens.keys(prefix),
    callCounts: store.callCounts,
  };
  const topology = new Topology(buildBindings(config, deps, new Map()));
  const shop = topology.shop(bound.source, bound.shopId);
  if (!shop) throw new Error(`shop ${bound.shopId}: no binding after validation`);
  // The imported chats carry the shop's lead source like live ones (lead-sources.ts).
  if (!o.dryRun) await syncLeadSources([shop]);
  // --json: stdout carries the report alone.
  const reporter = progressReporter(json ? () => {} : io.write, process.stdout.isTTY === true, o.dryRun);
  try {
    const progress = await walkShop(o, {
      shop,
      imports: new ImportRepo(store.db),
      echoes: store.echoes,
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
