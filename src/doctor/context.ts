/**
 * What every doctor check can see: the config (or why it could not be loaded), the state opened for reading (an
 * SQLite file read-only, or a PostgreSQL database over read-only sessions: store/state-reader.ts),
 * platform clients built the same way the daemon builds them, and a few memoised facts (the egress IP, the Kommo
 * account) so that two checks needing the same answer ask the platform once.
 *
 * Doctor never writes: the state is opened for reading only, and a token a client has to obtain (Tokopedia) goes
 * to an in-memory layer over the stored ones, never back into the state.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MemoryTokenStore, type StoredToken, type TokenStore } from "../auth/token-store.js";
import {
  asStarterConfig,
  type Config,
  type ConfigProblem,
  checkConfig,
  type Env,
  type StarterConfig,
} from "../config/index.js";
import { kommoChatsClient, kommoRestClient, tokopediaClient } from "../daemon/clients.js";
import { isTkError } from "../errors/index.js";
import type { KommoChatsClient, KommoRestClient } from "../kommo/index.js";
import type { KommoAccount as KommoAccountInfo } from "../kommo/rest-client.js";
import { trimTrailingSlashes } from "../net/trim-trailing-slashes.js";
import { detectEgressIp, type EgressIp } from "../setup/tokopedia/egress-ip.js";
import type { QuotaUsage } from "../sources/tiktokshop/quota.js";
import type { TokopediaClient } from "../sources/tokopedia/index.js";
import { openStore, type Store } from "../store/index.js";
import { isPostgresUrl, redactStateUrl, resolveStatePath } from "../store/state-location.js";
import { type StateReader, sqliteStateReader } from "../store/state-reader.js";

export interface DoctorOptions {
  configPath: string;
  env?: Env;
  /** The state file to look at instead of the config's statePath (`--state`; relative to the current directory). */
  statePath?: string;
  /** Only this shop's checks (and the global ones); it must be a configured shop. */
  shop?: string;
  /** The IP Tokopedia sees; overrides server.egressIp and endpoints.ipEcho. */
  egressIp?: string;
  /** Where the daemon listens; default http://{server.host}:{server.port}. */
  daemonUrl?: string;
  /** Clock (ms); tests shift it. */
  now?: () => number;
  /** Per-check time limit, ms (default DEFAULT_CHECK_TIMEOUT_MS). */
  timeoutMs?: number;
  /** The whole run's time limit, ms (default DEFAULT_DEADLINE_MS; `--timeout`). */
  deadlineMs?: number;
  /**
   * A config already loaded (and optionally a state file already open, left open by doctor) instead of reading
   * configPath and statePath: for callers that hold them, such as tests and setup.
   */
  loaded?: { config: Config; store?: Store };
  /** TikTok Shop checks: knobs the CLI never sets. */
  tiktokshop?: {
    /** Refresh an expired seller token during the probe (writes the state file: needs `loaded.store`). */
    allowRefresh?: boolean;
    /** Customer Service calls used today by a shop; default: the daemon's count in the state file. */
    quotaUsage?: (shopId: string) => (Pick<QuotaUsage, "used" | "limit"> & Partial<QuotaUsage>) | undefined;
  };
}

export type ConfigState =
  | { ok: true; config: Config }
  | {
      ok: false;
      reason: "missing" | "unreadable" | "invalid";
      message: string;
      problems?: ConfigProblem[];
      /** The file is a starter config (src/config/starter.ts): doctor says nothing is set up yet. */
      starter?: StarterConfig;
    };

/** Reads through to the state file's tokens, keeps new ones in memory (doctor must not write). */
class OverlayTokenStore implements TokenStore {
  private readonly mem = new Map<string, StoredToken | null>();
  constructor(private readonly base: () => TokenStore | undefined) {}
  load(key: string): StoredToken | undefined {
    if (this.mem.has(key)) return this.mem.get(key) ?? undefined;
    try {
      return this.base()?.load(key);
    } catch {
      return undefined; // an unreadable token is the state check's business; here it is just absent
    }
  }
  save(key: string, token: StoredToken): void {
    this.mem.set(key, { ...token });
  }
  delete(key: string): void {
    this.mem.set(key, null);
  }
}

export class DoctorContext {
  readonly configPath: string;
  readonly env: Env;
  readonly now: () => number;
  readonly configState: ConfigState;
  readonly tokens: TokenStore;
  private storeResult: { store?: StateReader; error?: unknown } | undefined;
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly tkClients = new Map<string, TokopediaClient>();

  constructor(readonly options: DoctorOptions) {
    this.configPath = resolve(options.configPath);
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
    this.configState = options.loaded
      ? { ok: true, config: options.loaded.config }
      : readConfigState(this.configPath, this.env);
    if (options.loaded?.store) this.storeResult = { store: sqliteStateReader(options.loaded.store, true) };
    this.tokens = new OverlayTokenStore(() => this.store()?.tokens);
  }

  /** The validated config; checks that run only after `config.valid` passed may rely on it. */
  get config(): Config {
    if (!this.configState.ok) throw new Error("doctor: config not loaded (config.valid failed)");
    return this.configState.config;
  }

  /**
   * The state opened for reading, or undefined when it cannot be (see storeError). An SQLite file opens on the first
   * call; a database only in prepareState (opening it takes a round trip), which the runner calls first.
   */
  store(): StateReader | undefined {
    if (!this.storeResult) {
      if (!this.configState.ok) this.storeResult = {};
      else if (this.stateIsDatabase())
        this.storeResult = { error: new Error("doctor: the database is not open") };
      else {
        try {
          this.storeResult = { store: sqliteStateReader(openStore(this.statePath(), { readonly: true })) };
        } catch (error) {
          this.storeResult = { error };
        }
      }
    }
    return this.storeResult.store;
  }

  /** Opens a PostgreSQL state within `ms` (a database that does not answer is the state checks' failure). */
  async prepareState(ms: number): Promise<void> {
    if (this.storeResult || !this.configState.ok || !this.stateIsDatabase()) return;
    const url = this.statePath();
    const { openPgStateReader } = await import("../store/postgres/state-reader.js");
    const { databaseUnreachable } = await import("../store/postgres/connection.js");
    const opening = openPgStateReader(url, this.env);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ error: unknown }>((r) => {
      timer = setTimeout(() => r({ error: databaseUnreachable(url, `no answer within ${ms / 1000} s`) }), ms);
    });
    this.storeResult = await Promise.race([
      opening.then(
        (store) => ({ store }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
    clearTimeout(timer);
    // Opened after doctor gave up on it: closed at once.
    if (!this.storeResult.store) opening.then((r) => r.close()).catch(() => undefined);
  }

  /** statePath is a PostgreSQL URL. */
  stateIsDatabase(): boolean {
    return this.configState.ok && isPostgresUrl(this.statePath());
  }

  /** Where the state is, safe to print: the file's path, or the URL with its password hidden. */
  stateLocation(): string {
    const path = this.statePath();
    return isPostgresUrl(path) ? redactStateUrl(path) : path;
  }

  /** The state file doctor looks at: --state, else the config's statePath. */
  statePath(): string {
    return this.options.statePath !== undefined
      ? resolveStatePath(this.options.statePath, process.cwd())
      : this.config.statePath;
  }

  storeError(): unknown {
    this.store();
    return this.storeResult?.error;
  }

  tokopedia(appName: string): TokopediaClient {
    let c = this.tkClients.get(appName);
    if (!c) {
      const app = this.config.tokopedia.apps.find((a) => a.name === appName);
      if (!app) throw new Error(`doctor: no Tokopedia app ${appName}`);
      c = tokopediaClient(app, this.config, this.tokens);
      this.tkClients.set(appName, c);
    }
    return c;
  }

  /** A client with an empty token cache: its first call asks Tokopedia for a token with the credentials. */
  freshTokopedia(appName: string): TokopediaClient {
    const app = this.config.tokopedia.apps.find((a) => a.name === appName);
    if (!app) throw new Error(`doctor: no Tokopedia app ${appName}`);
    return tokopediaClient(app, this.config, new MemoryTokenStore());
  }

  kommoAccountConfig(name: string) {
    const a = this.config.kommo.accounts.find((x) => x.name === name);
    if (!a) throw new Error(`doctor: no Kommo account ${name}`);
    return a;
  }

  kommoRest(name: string): KommoRestClient {
    return kommoRestClient(this.kommoAccountConfig(name), this.config, this.tokens);
  }

  kommoChats(name: string): KommoChatsClient {
    return kommoChatsClient(this.kommoAccountConfig(name), this.config);
  }

  /** GET /api/v4/account once per account (several checks need it). */
  kommoAccountInfo(name: string): Promise<KommoAccountInfo> {
    // One retry after a 429: doctor often runs next to the daemon, which shares the account's 7 requests/s.
    return this.once(`kommo-account:${name}`, async () => {
      const rest = this.kommoRest(name);
      try {
        return await rest.account();
      } catch (err) {
        if (!isTkError(err) || err.code !== "TK_ERR_KOMMO_RATE_LIMITED") throw err;
        const wait = Number(err.details?.retryAfterMs ?? 1000);
        await new Promise((r) => setTimeout(r, Math.min(Math.max(wait, 200), 3000)));
        return rest.account();
      }
    });
  }

  /** The egress IP: --egress-ip, server.egressIp, else asked of endpoints.ipEcho; undefined when unknown. */
  egressIp(): Promise<EgressIp | undefined> {
    return this.once("egress-ip", () =>
      detectEgressIp({
        ...(this.options.egressIp ? { override: this.options.egressIp } : {}),
        ...(this.config.server.egressIp ? { configured: this.config.server.egressIp } : {}),
        ...(this.config.endpoints.ipEcho ? { echoUrl: this.config.endpoints.ipEcho } : {}),
      }),
    );
  }

  daemonUrl(): string {
    if (this.options.daemonUrl) return trimTrailingSlashes(this.options.daemonUrl);
    const { host, port } = this.config.server;
    const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return `http://${h}:${port}`;
  }

  /** Shops doctor looks at (all, or the one of --shop). */
  shops() {
    const all = this.config.shops;
    return this.options.shop === undefined ? all : all.filter((s) => s.shopId === this.options.shop);
  }

  /** Memoises one async fact; a rejection is memoised too (each check reports it its own way). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      p.catch(() => undefined); // handled by whoever awaits it
      this.memo.set(key, p);
    }
    return p;
  }

  /** Closes what doctor opened (a state the caller lent stays open). */
  async close(): Promise<void> {
    await this.storeResult?.store?.close();
  }
}

function readConfigState(path: string, env: Env): ConfigState {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? { ok: false, reason: "missing", message: `config file ${path} does not exist` }
      : { ok: false, reason: "unreadable", message: `cannot read config file ${path} (${code ?? "error"})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: "invalid",
      message: `config file ${path} is not JSON (${(err as Error).message})`,
    };
  }
  const result = checkConfig(raw, env, { configPath: path });
  if (result.ok) return { ok: true, config: result.config };
  const starter = asStarterConfig(raw, path);
  return {
    ok: false,
    reason: "invalid",
    message: `config file ${path} has ${result.problems.length} problem(s)`,
    problems: result.problems,
    ...(starter ? { starter } : {}),
  };
}

/** The TK_ERR_* code of an error, or undefined. */
export function codeOf(err: unknown): string | undefined {
  return isTkError(err) ? err.code : undefined;
}
