/**
 * Live reload of the config, with the built binary against the simulators: a shop added while `serve` runs gets
 * its webhooks processed and its sweep (by file change, written by rename as `shops add` does, and by SIGHUP); an
 * invalid file is refused with its reasons logged and the old config kept; a removed shop's webhooks are not
 * taken, its running delivery finishes and its queued work stays in the state until it is bound again. Both state
 * backends (test/helpers/state-backends.ts): the config file names the state file or the PostgreSQL database, and
 * the runtime card and the job queue are read where the daemon keeps them for that statePath.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRuntime } from "../../src/daemon/runtime-file.js";
import { openStore } from "../../src/store/index.js";
import { isPostgresUrl } from "../../src/store/state-location.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync } from "../helpers/cli.js";
import {
  type DaemonProcess,
  freePort,
  killDaemonDropCardAndCloseBed,
  spawnDaemon,
} from "../helpers/daemon-process.js";
import { queryOnce } from "../helpers/postgres.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

let bed: Testbed;
let daemon: DaemonProcess | undefined;
let raw: { shops: { shopId: string }[] } & Record<string, unknown>;
let allShops: { shopId: string }[];
/** The daemon's state location, as the config file names it: the testbed's file or a PostgreSQL database. */
let statePath: string;

/** Writes the config as `shops add` does: a temporary file renamed over it (or in place). */
function writeConfig(value: unknown, how: "rename" | "in-place" = "rename"): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (how === "in-place") {
    writeFileSync(bed.configPath, text);
    return;
  }
  writeFileSync(`${bed.configPath}.tmp`, text, { mode: 0o600 });
  renameSync(`${bed.configPath}.tmp`, bed.configPath);
}

function withShops(ids: string[]) {
  return { ...raw, shops: allShops.filter((s) => ids.includes(s.shopId)) };
}

const generation = () => readRuntime(statePath)?.generation ?? 0;
/** Waits for reload number `n` in the runtime card and in the log (the card is written first). */
const reloaded = (n: number) =>
  waitFor(
    `reload to generation ${n}`,
    () => generation() === n && logged(/^config reloaded$/).find((l) => l.generation === n),
  );
const inKommo = (text: string) =>
  bed.kommo.received(bed.scopeId).some((m) => m.direction === "in" && m.text === text);
/** Log lines (pino JSON) whose message matches. */
const logged = (msg: RegExp) =>
  (daemon?.output() ?? "")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => msg.test(String(l.msg)));

/** Shop `shopId`'s deliveries to Kommo in `state`, counted in the daemon's state (file read-only, or database). */
async function jobs(shopId: string, state: string): Promise<number> {
  const shopKey = `tokopedia:${shopId}`;
  if (isPostgresUrl(statePath)) {
    const rows = await queryOnce<{ n: string }>(
      statePath,
      "select count(*) n from jobs where kind = 'deliver_to_kommo' and state = $1 and shop_key = $2",
      [state, shopKey],
    );
    return Number(rows[0]?.n);
  }
  const st = openStore(statePath, { readonly: true });
  try {
    const row = st.db
      .prepare("select count(*) n from jobs where kind = 'deliver_to_kommo' and state = ? and shop_key = ?")
      .get(state, shopKey) as { n: number };
    return row.n;
  } finally {
    st.close();
  }
}

describe.each(STATE_BACKENDS)("live reload of the config, state in $name", (backend) => {
  const ofThisBackend = backend.use();

  beforeAll(async () => {
    bed = await startTestbed({ shops: 2, mode: "webhook" });
    statePath = await ofThisBackend(bed);
    raw = { ...JSON.parse(readFileSync(bed.configPath, "utf8")), statePath };
    allShops = raw.shops;
  });

  afterAll(async () => {
    await killDaemonDropCardAndCloseBed(daemon, statePath, bed);
    daemon = undefined;
  });

  describe("serve reloads its config when the file changes", () => {
    let a: string;
    let b: string;

    beforeAll(async () => {
      [a, b] = bed.shops.map((s) => s.shopId) as [string, string];
      writeConfig(withShops([a]));
      daemon = await spawnDaemon(bed.configPath, await freePort());
      await bed.connectDaemon(daemon.url);
      expect(generation()).toBe(1);
    });

    it("a shop added by a rename of the file: its webhooks are processed and its sweep finds what came before", async () => {
      await bed.tokopedia.buyerSends(b, "buyer-b", "before the reload");
      await waitFor("the unbound shop's webhook ignored", () =>
        logged(/not bound/).some((l) => l.shopId === b),
      );
      writeConfig(withShops([a, b]));
      expect(await reloaded(2)).toMatchObject({ added: [`tokopedia:${b}`], removed: [] });
      await bed.tokopedia.buyerSends(b, "buyer-b", "after the reload");
      await waitFor(
        "both of shop B's messages in Kommo",
        () => inKommo("after the reload") && inKommo("before the reload"),
      );
      expect(logged(/not bound/).filter((l) => l.shopId === b)).toHaveLength(1);
    });

    it("every delivered message is logged once, by ids only", async () => {
      const delivered = () => logged(/^message delivered$/).filter((l) => l.shop === b);
      const lines = await waitFor("two lines for shop B", () => delivered().length >= 2 && delivered());
      expect(lines).toHaveLength(2);
      for (const l of lines) {
        expect(l).toMatchObject({ level: 30, direction: "to-kommo", source: "tokopedia", shop: b });
        expect(typeof l.message).toBe("string");
        expect(JSON.stringify(l)).not.toContain("reload"); // no message text
      }
    });

    it("an invalid file is refused with code, key and fix logged; the daemon keeps its config", async () => {
      const bad = withShops([a, b]);
      writeConfig({ ...bad, shops: bad.shops.map((s) => ({ ...s, kommoAccount: "nobody" })) }, "in-place");
      await waitFor("the refusal", () => readRuntime(statePath)?.lastReload?.ok === false);
      const refusal = await waitFor("the refusal logged", () => logged(/reload refused/).at(-1));
      expect(refusal.code).toBe("TK_ERR_CONFIG_INVALID");
      expect(JSON.stringify(refusal.problems)).toContain("shops[0].kommoAccount");
      expect(refusal.fix).toEqual(expect.any(String));
      expect(generation()).toBe(2);
      await bed.tokopedia.buyerSends(a, "buyer-a", "still served");
      await waitFor("shop A's message in Kommo", () => inKommo("still served"));
    });

    it("a removed shop: its webhooks are not taken, its running delivery finishes, its queued work waits in the state", async () => {
      bed.kommo.latency(3_000, "amojo");
      await bed.tokopedia.buyerSends(a, "buyer-a2", "in flight");
      await waitForAsync("shop A's delivery running", async () => (await jobs(a, "running")) === 1);
      await bed.tokopedia.buyerSends(a, "buyer-a2", "queued");
      await waitForAsync("the next delivery queued behind it", async () => (await jobs(a, "pending")) === 1);
      writeConfig(withShops([b]));
      await reloaded(3);
      bed.kommo.latency(0, "amojo");
      await waitFor("the running delivery finished", () => inKommo("in flight"), 15_000);
      // Reported at the reload: the running delivery and the queued one (and a sync still queued, if any).
      const report = logged(/unfinished jobs/).at(-1);
      expect(report).toMatchObject({ shop: `tokopedia:${a}`, code: "TK_ERR_SHOP_NOT_CONFIGURED" });
      expect(report?.jobs).toBeGreaterThanOrEqual(2);
      // The runner went on (shop B's message went through) and left shop A's queued job alone.
      await bed.tokopedia.buyerSends(a, "buyer-a2", "while removed");
      await bed.tokopedia.buyerSends(b, "buyer-b", "b goes on");
      await waitFor("shop B's message in Kommo", () => inKommo("b goes on"));
      expect(logged(/not bound/).some((l) => l.shopId === a)).toBe(true);
      expect(await jobs(a, "pending")).toBe(1);
      expect(inKommo("queued")).toBe(false);
      expect(inKommo("while removed")).toBe(false);

      writeConfig(withShops([a, b]));
      await reloaded(4);
      await waitFor(
        "shop A's queued and missed messages in Kommo",
        () => inKommo("queued") && inKommo("while removed"),
      );
      const texts = bed.kommo.received(bed.scopeId).map((m) => m.text);
      expect(texts.filter((t) => t === "queued")).toHaveLength(1);
    });

    it("shops remove and shops add say that the running daemon took the change", async () => {
      const cli = (...args: string[]) =>
        runCliAsync([...args, "--config", bed.configPath], { TOKOKOMMO_CONFIG: undefined });
      const removed = await cli("shops", "remove", b);
      expect(removed.stderr).toBe("");
      expect(removed.stdout).toContain("took the change (config generation 5)");
      expect(generation()).toBe(5);
      const added = await cli(
        "shops",
        "add",
        "--app",
        "main",
        "--kommo-account",
        "acme",
        "--shop-domain",
        "kommo-store-2",
        "--json",
      );
      expect(added.status).toBe(0);
      expect(JSON.parse(added.stdout).daemon).toMatchObject({ daemon: "took", generation: 6 });
      expect(await reloaded(6)).toMatchObject({ added: [`tokopedia:${b}`] });
    });
  });

  describe("serve --no-watch reloads on SIGHUP", () => {
    beforeAll(async () => {
      daemon?.child.kill("SIGTERM");
      await daemon?.exited;
      const [a] = bed.shops.map((s) => s.shopId) as [string];
      writeConfig(withShops([a]));
      daemon = await spawnDaemon(bed.configPath, await freePort(), ["--no-watch"]);
      await bed.connectDaemon(daemon.url);
    });

    it("a changed file is applied on SIGHUP", async () => {
      const [a, b] = bed.shops.map((s) => s.shopId) as [string, string];
      writeConfig(withShops([a, b]));
      expect(generation()).toBe(1);
      daemon!.child.kill("SIGHUP");
      await reloaded(2);
      await bed.tokopedia.buyerSends(b, "buyer-b3", "after SIGHUP");
      await waitFor("shop B's message in Kommo", () => inKommo("after SIGHUP"));
    });

    it("the runtime card goes when the daemon stops; shops remove then says none runs", async () => {
      daemon!.child.kill("SIGTERM");
      expect((await daemon!.exited).code).toBe(0);
      expect(readRuntime(statePath)).toBeUndefined();
      const [, b] = bed.shops.map((s) => s.shopId) as [string, string];
      const r = await runCliAsync(["shops", "remove", b, "--config", bed.configPath], {
        TOKOKOMMO_CONFIG: undefined,
      });
      expect(r.stdout).toContain("daemon: none running for this config");
    });
  });
});
