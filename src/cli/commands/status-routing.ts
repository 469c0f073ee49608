/**
 * `status`'s routing line per shop with a pipeline: how its leads reach the pipeline, as the running daemon's
 * runtime card says it (through Kommo lead sources, or moved after acceptance and why). Nothing when no daemon
 * runs with a card, or the daemon has not synced the shop's account yet.
 */
import type { Config } from "../../config/index.js";
import { type RoutingCard, readRuntime } from "../../daemon/runtime-file.js";

export type RoutingLine = RoutingCard;

/** The routing of each routed shop (key `source:shopId`), from the card next to the state file. */
export function routingLines(config: Config, statePath: string): Map<string, RoutingLine> {
  const card = readRuntime(statePath)?.routing ?? {};
  const out = new Map<string, RoutingLine>();
  for (const s of config.shops) {
    const r = card[s.kommoAccount];
    if (s.pipelineId !== undefined && r) out.set(`${s.source}:${s.shopId}`, r);
  }
  return out;
}

/** The line `status` prints for it. */
export function routingText(key: string, r: RoutingLine): string {
  return `routing ${key}: ${r.way === "sources" ? "via Kommo sources" : `moved after acceptance, because ${r.why ?? "sources are not in use"}`}`;
}
