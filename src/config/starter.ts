/**
 * A starter config: a file written before `init` that sets only what comes before the setup, typically
 * `endpoints` pointing tokokommo at the simulators (`tokokommo sandbox --serve` writes one), and has no
 * marketplace app, no Kommo account and no shop yet. `init` fills it in; `doctor` and `status` say that nothing
 * is set up yet instead of calling the file invalid. Every key it does set must still be valid.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkConfig, parseConfigJson } from "./load.js";
import type { Config } from "./schema.js";

/** The sections `init` fills; a starter config has no entries in any of them. */
const SETUP_SECTIONS = ["tokopedia", "tiktokshop", "kommo", "shops"] as const;

export interface StarterConfig {
  configPath: string;
  /** Where the state file will be (statePath, or state.db next to the config). */
  statePath: string;
  endpoints: Config["endpoints"];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function hasEntries(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.values(v).some(hasEntries);
  return v !== undefined;
}

/**
 * The starter config in `raw`, or undefined when `raw` is not one: it has setup entries (then it is a real,
 * possibly broken, config) or a key of its own is invalid (then the usual problems apply).
 */
export function asStarterConfig(raw: unknown, configPath: string): StarterConfig | undefined {
  if (!isObj(raw) || SETUP_SECTIONS.some((s) => hasEntries(raw[s]))) return undefined;
  const file = resolve(configPath);
  // Validated with placeholders in the setup sections, so that every other key is checked as usual.
  const probe = {
    ...raw,
    tokopedia: { apps: [{ name: "starter", fsId: 1, clientId: "starter", clientSecret: "starter" }] },
    tiktokshop: {},
    kommo: {
      accounts: [
        {
          name: "starter",
          subdomain: "starter",
          amojoId: "starter",
          auth: { longLivedToken: "starter" },
          channel: { id: "starter", secret: "starter" },
          scopeId: "starter_starter",
        },
      ],
    },
    shops: [{ shopId: "1", app: "starter", kommoAccount: "starter" }],
  };
  const check = checkConfig(probe, {}, { configPath: file });
  if (!check.ok) return undefined;
  return { configPath: file, statePath: check.config.statePath, endpoints: check.config.endpoints };
}

/** Reads `path` and returns its starter config, or undefined (missing, unreadable, not JSON, or not a starter). */
export function readStarterConfig(path: string): StarterConfig | undefined {
  try {
    return asStarterConfig(parseConfigJson(readFileSync(path, "utf8"), path), path);
  } catch {
    return undefined;
  }
}
