/**
 * The config file as `init` finds it: a valid config (a re-run adds to it), a seed (e.g. only `endpoints`, which
 * the wizard fills), or nothing. Read as plain JSON so a seed's keys survive; these readers give typed views of
 * it without trusting its shape.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  type Config,
  checkConfig,
  DEFAULT_ENDPOINTS,
  type Endpoints,
  type Env,
  parseConfigJson,
} from "../config/index.js";
import { trimTrailingSlashes } from "../net/trim-trailing-slashes.js";

export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `o[key]` when it is an object, else an empty one. */
export const objAt = (o: Json, key: string): Json => {
  const v = o[key];
  return isObj(v) ? v : {};
};

/** The objects of the list `o[section][key]` (entries that are not objects are left out). */
export const listAt = (o: Json, section: string, key: string): Json[] => {
  const v = objAt(o, section)[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
};

export const strAt = (o: Json, key: string): string | undefined => {
  const v = o[key];
  return typeof v === "string" ? v : undefined;
};

export interface ConfigFile {
  /** The file's JSON (a deep copy; `{ version: 1 }` when there is no file). */
  raw: Json;
  /** The validated config, when the file is complete. */
  config: Config | undefined;
}

export function readConfigFile(path: string, env: Env): ConfigFile {
  if (!existsSync(path)) return { raw: { version: 1 }, config: undefined };
  const parsed = parseConfigJson(readFileSync(path, "utf8"), path);
  if (!isObj(parsed)) return { raw: { version: 1 }, config: undefined };
  const check = checkConfig(parsed, env, { configPath: path });
  return { raw: structuredClone(parsed), config: check.ok ? check.config : undefined };
}

/** The endpoints the file names, over the built-in ones (clients are built before a whole config exists). */
export function endpointsOf(raw: Json): Endpoints {
  const given = objAt(raw, "endpoints");
  const pick = (key: keyof Endpoints): string | undefined => {
    const v = given[key];
    return typeof v === "string" ? trimTrailingSlashes(v) : undefined;
  };
  const ipEcho = pick("ipEcho");
  return {
    tokopediaAuth: pick("tokopediaAuth") ?? DEFAULT_ENDPOINTS.tokopediaAuth,
    tokopediaApi: pick("tokopediaApi") ?? DEFAULT_ENDPOINTS.tokopediaApi,
    tiktokshopAuth: pick("tiktokshopAuth") ?? DEFAULT_ENDPOINTS.tiktokshopAuth,
    tiktokshopApi: pick("tiktokshopApi") ?? DEFAULT_ENDPOINTS.tiktokshopApi,
    kommoApi: pick("kommoApi") ?? DEFAULT_ENDPOINTS.kommoApi,
    kommoChats: pick("kommoChats") ?? DEFAULT_ENDPOINTS.kommoChats,
    ...(ipEcho ? { ipEcho } : {}),
  };
}
