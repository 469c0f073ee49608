/**
 * The healthy setup doctor's fault tests start from: the simulators (testbed), a running daemon, an IP echo
 * service, the config file pointing at all of them. Each fault test injects one fault into a simulator, the
 * state file or a variant of the config, and checks that exactly its own check fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { type DoctorReport, runDoctor } from "../../src/doctor/index.js";
import { TokopediaClient } from "../../src/sources/tokopedia/index.js";
import { openStore } from "../../src/store/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { startIpEcho } from "../helpers/ip-echo.js";
import { waitFor } from "../helpers/wait.js";

/** The parts of the config file JSON these tests change. */
export interface Raw {
  statePath?: string;
  server: { publicUrl?: string; port?: number };
  endpoints: { ipEcho?: string; kommoChats?: string };
  media?: { allowPrivateNetworks?: boolean };
  shops: { kommoAccount: string }[];
  tokopedia: { apps: { webhookSecret?: string }[] };
  kommo: {
    accounts: {
      amojoId: string;
      auth: { longLivedToken?: string; clientId?: string; clientSecret?: string; redirectUri?: string };
      channel: { id: string; secret: string };
    }[];
  };
}

export interface DoctorBed {
  bed: Testbed;
  daemon: RunningDaemon;
  shopId: string;
  /** A Tokopedia client of the testbed's app (to change what is registered at the simulator). */
  tk: TokopediaClient;
  /** Kommo's clock minus ours; the Kommo simulator reads it on every request. */
  kommoSkewMs: number;
  rawConfig(): Raw;
  /** A variant of the healthy config in its own file (same simulators, same state unless changed). */
  configWith(change: (raw: Raw) => void): string;
  /** A separate state file prepared by `fill` (the daemon's own file stays untouched). */
  stateWith(fill: (store: ReturnType<typeof openStore>) => void): string;
  doctor(configPath?: string, extra?: Partial<Parameters<typeof runDoctor>[0]>): Promise<DoctorReport>;
}

/** Registers the healthy setup for the calling test file; its fields are ready inside the tests. */
export function useDoctorBed(): DoctorBed {
  let echo: Awaited<ReturnType<typeof startIpEcho>>;
  let copies = 0;
  const b = { kommoSkewMs: 0 } as DoctorBed;
  b.rawConfig = () => JSON.parse(readFileSync(b.bed.configPath, "utf8"));
  b.configWith = (change) => {
    const raw = b.rawConfig();
    raw.statePath = b.bed.statePath;
    change(raw);
    const path = join(b.bed.dir, `variant-${++copies}.json`);
    writeFileSync(path, JSON.stringify(raw), { mode: 0o600 });
    return path;
  };
  b.stateWith = (fill) => {
    const path = join(b.bed.dir, `state-${++copies}.db`);
    const store = openStore(path);
    try {
      fill(store);
    } finally {
      store.close();
    }
    return path;
  };
  b.doctor = (configPath = b.bed.configPath, extra = {}) =>
    runDoctor({ configPath, env: {}, daemonUrl: b.daemon.url, timeoutMs: 10_000, ...extra });

  beforeAll(async () => {
    echo = await startIpEcho();
    b.bed = await startTestbed({ mode: "hybrid", kommo: { now: () => Date.now() + b.kommoSkewMs } });
    b.shopId = b.bed.shops[0]!.shopId;
    b.daemon = await startDaemon({ config: b.bed.config, port: 0 });
    await b.bed.connectDaemon(b.daemon.url);
    // The healthy setup: the public URL is where the daemon listens, the echo service tells the egress IP.
    const raw = b.rawConfig();
    raw.server = { ...raw.server, publicUrl: b.daemon.url, port: b.daemon.port };
    raw.endpoints.ipEcho = echo.url;
    writeFileSync(b.bed.configPath, JSON.stringify(raw), { mode: 0o600 });
    b.tk = new TokopediaClient({
      appName: "main",
      ...b.bed.tokopedia.app,
      authBaseUrl: b.bed.tokopedia.authUrl,
      apiBaseUrl: b.bed.tokopedia.apiUrl,
    });
    await waitFor("first sync of the shop", () =>
      b.daemon.store.shopStatus.listShopStatus().some((s) => s.shopId === b.shopId && s.lastSuccessAt),
    );
  });

  afterAll(async () => {
    await b.daemon?.stop();
    await b.bed?.close();
    await echo?.close();
  });
  return b;
}

/** Keys (`id` or `id:subject`) of the failed checks. */
export const failed = (r: DoctorReport) =>
  r.checks.filter((c) => c.status === "fail").map((c) => (c.subject ? `${c.id}:${c.subject}` : c.id));

export const find = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;
