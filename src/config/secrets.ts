/**
 * Secrets may come from env vars instead of the file: `TOKOKOMMO_<SECTION>_<NAME>_<FIELD>`, the entry's name
 * upper-cased with every other character turned into `_` (e.g. app "main-2" → TOKOKOMMO_TOKOPEDIA_MAIN_2_...).
 * Env vars win over the file. They are applied to the raw JSON before validation, so a file may leave the
 * secret out, and each one applied is remembered so that saving never writes an env secret into the file.
 */

export type Env = Record<string, string | undefined>;

/** Where a secret sits: in each entry of `section.list`, at `field` inside the entry. */
export interface SecretField {
  section: "tokopedia" | "tiktokshop" | "kommo";
  list: "apps" | "accounts";
  field: readonly string[];
  envSuffix: string;
}

export const SECRET_FIELDS: readonly SecretField[] = [
  { section: "tokopedia", list: "apps", field: ["clientSecret"], envSuffix: "CLIENT_SECRET" },
  { section: "tokopedia", list: "apps", field: ["webhookSecret"], envSuffix: "WEBHOOK_SECRET" },
  { section: "tiktokshop", list: "apps", field: ["appSecret"], envSuffix: "APP_SECRET" },
  { section: "kommo", list: "accounts", field: ["auth", "longLivedToken"], envSuffix: "LONG_LIVED_TOKEN" },
  { section: "kommo", list: "accounts", field: ["auth", "clientSecret"], envSuffix: "CLIENT_SECRET" },
  { section: "kommo", list: "accounts", field: ["channel", "secret"], envSuffix: "CHANNEL_SECRET" },
];

/** The env var name part for an app or account name. */
export function envToken(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

export function secretEnvVar(spec: SecretField, entryName: string): string {
  return `TOKOKOMMO_${spec.section.toUpperCase()}_${envToken(entryName)}_${spec.envSuffix}`;
}

/** A secret that was taken from the env: enough to put the file's own value (if any) back on save. */
export interface EnvSecret {
  spec: SecretField;
  entryName: string;
  envVar: string;
  envValue: string;
  /** The value the file had before the env replaced it (undefined: the file had none). */
  fileValue: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function entries(root: unknown, spec: SecretField): Obj[] {
  const section = isObj(root) ? root[spec.section] : undefined;
  const items = isObj(section) ? section[spec.list] : undefined;
  return Array.isArray(items) ? items.filter(isObj) : [];
}

/** Kommo auth is either a long-lived token or OAuth; an env var only fills the kind the file uses. */
function appliesTo(spec: SecretField, entry: Obj): boolean {
  if (spec.section !== "kommo" || spec.field[0] !== "auth") return true;
  const auth = entry.auth;
  const isOauth = isObj(auth) && ("clientId" in auth || "redirectUri" in auth || "clientSecret" in auth);
  return spec.field[1] === "clientSecret" ? isOauth : !isOauth;
}

/**
 * Returns a deep copy of `raw` with every secret env var applied, and the list of those applied.
 * Entries without a string name are left alone (validation reports them). The copy is recursive: callers
 * refuse a value nested too deeply first (depth.ts; checkConfig does).
 */
export function applyEnvSecrets(raw: unknown, env: Env): { raw: unknown; fromEnv: EnvSecret[] } {
  if (!isObj(raw)) return { raw, fromEnv: [] };
  const copy = structuredClone(raw);
  const fromEnv: EnvSecret[] = [];
  for (const spec of SECRET_FIELDS) {
    for (const entry of entries(copy, spec)) {
      if (typeof entry.name !== "string") continue;
      const envVar = secretEnvVar(spec, entry.name);
      const envValue = env[envVar];
      if (envValue === undefined || envValue === "" || !appliesTo(spec, entry)) continue;
      const [parentKey, leaf] = spec.field.length === 2 ? spec.field : [undefined, spec.field[0]];
      let parent: Obj = entry;
      if (parentKey !== undefined) {
        const existing = entry[parentKey];
        if (existing !== undefined && !isObj(existing)) continue; // wrong type: let validation say so
        parent = existing ?? {};
        entry[parentKey] = parent;
      }
      const key = leaf as string;
      fromEnv.push({ spec, entryName: entry.name, envVar, envValue, fileValue: parent[key] });
      parent[key] = envValue;
    }
  }
  return { raw: copy, fromEnv };
}

/** What a secret missing from both the file and the env reads as in placeholderSecretsEnv's config. */
export const SECRET_NOT_SET = "(not set here: in the daemon's environment)";

/**
 * `env` plus a placeholder for every secret that neither the file nor `env` holds. For commands that never call
 * the platforms (`status`, `shops list`): they must work where the secrets live only in the service's env file.
 */
export function placeholderSecretsEnv(raw: unknown, env: Env): Env {
  const out: Env = { ...env };
  for (const spec of SECRET_FIELDS) {
    for (const entry of entries(raw, spec)) {
      if (typeof entry.name !== "string" || !appliesTo(spec, entry)) continue;
      const envVar = secretEnvVar(spec, entry.name);
      const parent = spec.field.length === 2 ? entry[spec.field[0] as string] : entry;
      const inFile = isObj(parent) && parent[spec.field.at(-1) as string] !== undefined;
      // The webhook secret is optional: an app without one stays without one.
      if (!inFile && !out[envVar] && spec.envSuffix !== "WEBHOOK_SECRET") out[envVar] = SECRET_NOT_SET;
    }
  }
  return out;
}

/**
 * For a validation issue at `path`, the env var that could supply the secret there (undefined when the
 * path is not a secret).
 */
export function envVarForPath(path: readonly PropertyKey[], raw: unknown): string | undefined {
  for (const spec of SECRET_FIELDS) {
    if (path.length !== 3 + spec.field.length) continue;
    if (path[0] !== spec.section || path[1] !== spec.list || typeof path[2] !== "number") continue;
    if (!spec.field.every((f, i) => path[3 + i] === f)) continue;
    const entry = entries(raw, spec)[path[2]];
    const name = entry && typeof entry.name === "string" ? entry.name : `<${spec.list.slice(0, -1)} name>`;
    return secretEnvVar(spec, name);
  }
  return undefined;
}

/** Config objects carry the env secrets they were built with under this (enumerable) symbol key. */
export const ENV_SECRETS: unique symbol = Symbol.for("tokokommo.config.envSecrets");

export function attachEnvSecrets<T extends object>(config: T, fromEnv: EnvSecret[]): T {
  // Enumerable, so `{ ...config, shops }` keeps it; JSON.stringify ignores symbol keys anyway.
  Object.defineProperty(config, ENV_SECRETS, { value: fromEnv, enumerable: true });
  return config;
}

export function envSecretsOf(config: object): EnvSecret[] {
  const v = (config as { [ENV_SECRETS]?: EnvSecret[] })[ENV_SECRETS];
  return Array.isArray(v) ? v : [];
}

/**
 * Puts the file's own values back where env secrets were applied (or removes the key when the file had
 * none), unless the program changed the value since (then the new value is what must be saved).
 */
export function withoutEnvSecrets(plain: unknown, fromEnv: EnvSecret[]): void {
  for (const s of fromEnv) {
    const entry = entries(plain, s.spec).find((e) => e.name === s.entryName);
    if (!entry) continue;
    const [parentKey, leaf] = s.spec.field.length === 2 ? s.spec.field : [undefined, s.spec.field[0]];
    const parent = parentKey === undefined ? entry : entry[parentKey];
    if (!isObj(parent)) continue;
    const key = leaf as string;
    if (parent[key] !== s.envValue) continue;
    if (s.fileValue === undefined) delete parent[key];
    else parent[key] = s.fileValue;
  }
}
