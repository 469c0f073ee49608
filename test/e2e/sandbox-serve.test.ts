/**
 * `tokokommo sandbox --serve` (built binary): the simulators stay up, a starter config and an env file are
 * written, and the printed `init` line, doctor, serve, a buyer message typed into the sandbox, a reply, status and
 * `shops add` all work against them, as README's "Rehearse the real setup" tells. Also: a directory an earlier
 * rehearsal set up is refused, a taken port is TK_ERR_PORT_IN_USE, and SIGINT / SIGTERM end it with exit 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runCli } from "../helpers/cli.js";
import { type DaemonProcess, freePort, freePortRun, spawnDaemon } from "../helpers/daemon-process.js";
import { waitFor } from "../helpers/wait.js";

const root = mkdtempSync(join(tmpdir(), "tokokommo-rehearsal-test-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

interface Sandbox {
  child: ChildProcess;
  out(): string;
  exited: Promise<number | null>;
}

function startSandbox(args: string[]): Sandbox {
  const child = spawn(process.execPath, [BIN, "sandbox", "--serve", ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out: () => out, exited };
}

/** What `set -a; . rehearsal.env; set +a` puts into the environment. */
function envFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** A printed command line (`  tokokommo init ...`) as CLI arguments. */
function printed(out: string, start: string): string[] {
  const line = out.split("\n").find((l) => l.trim().startsWith(`tokokommo ${start}`));
  if (!line) throw new Error(`no "tokokommo ${start}" line in:\n${out}`);
  return line.trim().split(/\s+/).slice(1);
}

describe("tokokommo sandbox --serve (built binary)", () => {
  it("rehearses init → doctor → serve → a buyer message and a reply → status → shops add", async () => {
    const bridgePort = await freePort();
    const dir = join(root, "rehearsal");
    const sandbox = startSandbox(["--bridge-port", String(bridgePort), "--dir", dir]);
    await waitFor("the guide", () => sandbox.out().includes("help` lists everything"), 20_000);
    const out = sandbox.out();
    const env = envFile(join(dir, "rehearsal.env"));
    const configPath = join(dir, "config.json");
    expect(env.TOKOKOMMO_CONFIG).toBe(configPath);
    expect(statSync(join(dir, "rehearsal.env")).mode & 0o777).toBe(0o600);
    expect(out).toContain(`--public-url http://127.0.0.1:${bridgePort}`);
    for (const what of [
      "fs_id 13004",
      "client id",
      "client secret",
      "tokopedia.com/kommo-store",
      "Kommo subdomain acme",
    ])
      expect(out).toContain(what);
    for (const what of [
      "channel id",
      "channel secret",
      "long-lived token",
      "app key",
      "service id",
      "authorization code",
    ])
      expect(out).toContain(what);

    // Before init: the starter config is accepted, and tells what to do.
    const early = runCli(["doctor"], env);
    expect(early.status).toBe(0);
    expect(early.stdout).toContain("starter config");
    expect(runCli(["status"], env).status).toBe(0);

    const init = runCli(printed(out, "init --no-interactive"), env);
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    expect(init.stdout).toContain("127.0.0.1 is whitelisted");
    const written = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
    expect(JSON.stringify(written)).not.toContain(env.TOKOKOMMO_KOMMO_ACME_LONG_LIVED_TOKEN); // secrets stay in env

    let daemon: DaemonProcess | undefined;
    try {
      daemon = await spawnDaemon(configPath, bridgePort, [], env);
      const doctor = runCli(["doctor"], env);
      expect(doctor.stdout).toContain("0 failed");
      expect(doctor.status).toBe(0);

      sandbox.child.stdin?.write("buyer: halo dari latihan\n");
      await waitFor(
        "the message in Kommo",
        () => /KOMMO\s+Budi: halo dari latihan\n/.test(sandbox.out()),
        20_000,
      );
      sandbox.child.stdin?.write("manager: siap kak\nexpect delivered\nstatus\n");
      await waitFor("the status line", () => sandbox.out().includes("1 of 1 expectation held"), 20_000);
      expect(sandbox.out()).toMatch(/TOKOPEDIA\s+kommo-store: siap kak\nKOMMO\s+✓ delivered/);

      const status = runCli(["status", "--json"], env);
      expect(status.status).toBe(0);
      const report = JSON.parse(status.stdout) as { shops: { name: string; lastSuccessAt: number | null }[] };
      expect(report.shops).toEqual([expect.objectContaining({ name: "kommo-store" })]);
      expect(report.shops[0]?.lastSuccessAt).not.toBeNull();

      const add = runCli(printed(out, "shops add"), env);
      expect(add.status).toBe(0);
      expect(runCli(["shops", "list"], env).stdout).toContain("kommo-store-2");

      // The TikTok Shop seller, with the printed values. The app goes into the config by hand here (as the
      // printed `init --source tiktokshop` line will do), then `shops add` authorizes it with the printed code.
      daemon.child.kill("SIGTERM");
      await daemon.exited;
      const appKey = /app key (\S+) ·/.exec(out)?.[1];
      const serviceId = /service id (\S+)/.exec(out)?.[1];
      const raw = JSON.parse(readFileSync(configPath, "utf8")) as { tiktokshop?: { apps: unknown[] } };
      raw.tiktokshop = { apps: [{ name: "tts", appKey, serviceId }] };
      writeFileSync(configPath, JSON.stringify(raw), { mode: 0o600 });
      const tts = runCli(
        [
          "shops",
          "add",
          "--source",
          "tiktokshop",
          "--app",
          "tts",
          "--auth-code",
          env.REHEARSAL_TIKTOKSHOP_AUTH_CODE!,
          "--kommo-account",
          "acme",
        ],
        env,
      );
      expect(tts.stderr).toBe("");
      expect(tts.status).toBe(0);
      daemon = await spawnDaemon(configPath, bridgePort, [], env);
      sandbox.child.stdin?.write(
        "buyer as Rina on tiktokshop: halo dari tiktok\nmanager: terima kasih kak\n",
      );
      await waitFor(
        "the TikTok Shop reply delivered",
        () => /TIKTOKSHOP toko-tts: terima kasih kak\nKOMMO\s+✓ delivered/.test(sandbox.out()),
        30_000,
      );
      expect(sandbox.out()).toMatch(/TIKTOKSHOP Rina: halo dari tiktok\nKOMMO\s+★ new chat: contact "Rina"/);
      expect(sandbox.out()).toMatch(/KOMMO\s+Rina: halo dari tiktok\n/);
    } finally {
      daemon?.child.kill("SIGTERM");
      await daemon?.exited;
    }

    // The end of piped input leaves the simulators up; SIGTERM stops them with exit 0.
    sandbox.child.stdin?.end();
    await waitFor("the note", () => sandbox.out().includes("input ended"));
    sandbox.child.kill("SIGTERM");
    expect(await sandbox.exited).toBe(0);
    expect(sandbox.out()).toContain("Stopped the simulators (SIGTERM)");

    // The directory now holds a set-up rehearsal (and its state file): refused, nothing started or changed.
    const before = readFileSync(configPath, "utf8");
    const again = runCli(["sandbox", "--serve", "--dir", dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("TK_ERR_USAGE");
    expect(again.stderr).toContain("earlier rehearsal");
    expect(readFileSync(configPath, "utf8")).toBe(before);
  }, 90_000);

  it("uses fixed ports from --port-base, reports a taken one as TK_ERR_PORT_IN_USE, exits 0 on Ctrl-C", async () => {
    const held: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      held.listen(0, "127.0.0.1", () => resolve((held.address() as { port: number }).port)),
    );
    try {
      const taken = runCli(["sandbox", "--serve", "--port-base", String(port), "--dir", join(root, "taken")]);
      expect(taken.status).toBe(1);
      expect(taken.stderr).toContain(`error TK_ERR_PORT_IN_USE: port ${port} (the Tokopedia simulator)`);
    } finally {
      await new Promise((r) => held.close(r));
    }
    const base = await freePortRun(4);
    const dir = join(root, "fixed");
    const sandbox = startSandbox(["--port-base", String(base), "--dir", dir]);
    await waitFor("the guide", () => sandbox.out().includes("help` lists everything"), 20_000);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as {
      endpoints: Record<string, string>;
      server: { port: number };
    };
    expect(config.endpoints.tokopediaApi).toBe(`http://127.0.0.1:${base}`);
    expect(config.endpoints.tiktokshopApi).toBe(`http://127.0.0.1:${base + 1}`);
    expect(config.endpoints.kommoChats).toBe(`http://127.0.0.1:${base + 2}`);
    expect(config.endpoints.ipEcho).toBe(`http://127.0.0.1:${base + 3}/ip`);
    expect(config.server.port).toBe(8787);
    // No bridge runs here, so this message waits (15 s) for a bridge that never comes: Ctrl-C must not wait too.
    sandbox.child.stdin?.write("buyer: is anyone there?\n");
    await waitFor("the buyer line", () => /TOKOPEDIA\s+Budi: is anyone there\?/.test(sandbox.out()));
    const interrupted = Date.now();
    sandbox.child.kill("SIGINT");
    expect(await sandbox.exited).toBe(0);
    expect(Date.now() - interrupted).toBeLessThan(8_000);
    expect(sandbox.out()).toContain("Stopped the simulators (SIGINT)");
  }, 60_000);

  it("refuses flags that do not go together (exit 2, TK_ERR_USAGE)", () => {
    const a = runCli(["sandbox", "--port-base", "9000"]);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("--port-base only go with --serve");
    const b = runCli(["sandbox", "--serve", "--script", "x.txt"]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("TK_ERR_USAGE");
    const c = runCli(["sandbox", "--serve", "--port-base", "70000"]);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain("--port-base 70000 is not a port");
  });

  it("a --dir it cannot write to is TK_ERR_CONFIG_WRITE (exit 1), and the simulators are stopped again", () => {
    const aFile = join(root, "a-file");
    writeFileSync(aFile, "");
    const r = runCli(["sandbox", "--serve", "--dir", join(aFile, "sub")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `error TK_ERR_CONFIG_WRITE: cannot write the rehearsal's files into ${join(aFile, "sub")}`,
    );
  });
});
