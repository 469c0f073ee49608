/**
 * Operator mistakes at start-up get their own codes instead of TK_ERR_INTERNAL: a port in
 * use, and a `server.host` that does not resolve or is not an address of this machine. Checked at the listen()
 * level and through the built binary (`tokokommo serve`, exit code and message).
 */
import { spawnSync } from "node:child_process";
import { chownSync } from "node:fs";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTkError, type TkError } from "../../src/errors/index.js";
import { createHttpServer, listen } from "../../src/server/http-server.js";
import { listenError as mapListenError } from "../../src/server/listen-error.js";
import { Router } from "../../src/server/router.js";
import { minimalRaw, type TempDir, tempDir, withChanges } from "../config/fixtures.js";
import { BIN, runCli } from "../helpers/cli.js";

let blocker: NetServer;
let busyPort: number;
let tmp: TempDir;

beforeAll(async () => {
  blocker = createNetServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  busyPort = (blocker.address() as { port: number }).port;
  tmp = tempDir();
});

afterAll(async () => {
  await new Promise((r) => blocker.close(r));
  tmp.cleanup();
});

async function listenError(host: string, port: number): Promise<TkError> {
  const server = createHttpServer({ router: new Router() });
  try {
    const running = await listen(server, host, port);
    await running.close(0);
  } catch (err) {
    if (isTkError(err)) return err;
    throw err;
  }
  throw new Error(`listen on ${host}:${port} succeeded`);
}

describe("listen()", () => {
  it("a port in use -> TK_ERR_PORT_IN_USE naming the port, exit code 1", async () => {
    const err = await listenError("127.0.0.1", busyPort);
    expect(err.code).toBe("TK_ERR_PORT_IN_USE");
    expect(err.message).toContain(String(busyPort));
    expect(err.fix).toMatch(/server\.port/);
    expect(err.exitCode).toBe(1);
  });

  it("a host that does not resolve -> TK_ERR_SERVER_HOST naming server.host, exit code 2", async () => {
    const err = await listenError("no-such-host.invalid", 0);
    expect(err.code).toBe("TK_ERR_SERVER_HOST");
    expect(err.message).toContain("server.host");
    expect(err.message).toContain("no-such-host.invalid");
    expect(err.exitCode).toBe(2);
  });

  it("an address of another machine -> TK_ERR_SERVER_HOST, exit code 2", async () => {
    const err = await listenError("192.0.2.1", 0); // TEST-NET-1: never an address of this machine
    expect(err.code).toBe("TK_ERR_SERVER_HOST");
    expect(err.message).toContain("192.0.2.1");
    expect(err.fix).toMatch(/127\.0\.0\.1/);
    expect(err.exitCode).toBe(2);
  });
});

describe("tokokommo serve (built binary)", () => {
  function configWith(server: Record<string, unknown>, name: string): string {
    return tmp.file(name, withChanges(minimalRaw(), { server, statePath: `${tmp.dir}/${name}.db` }));
  }

  it("on a port in use: exit 1, TK_ERR_PORT_IN_USE with the port and the fix", () => {
    const config = configWith({ host: "127.0.0.1", port: busyPort }, "busy.json");
    const r = runCli(["serve", "--config", config], { TOKOKOMMO_CONFIG: undefined });
    expect(r.stderr).toContain("TK_ERR_PORT_IN_USE");
    expect(r.stderr).toContain(String(busyPort));
    expect(r.stderr).toContain("fix:");
    expect(r.stderr).not.toContain("TK_ERR_INTERNAL");
    expect(r.status).toBe(1);
  });

  it("with a server.host of another machine: exit 2, TK_ERR_SERVER_HOST naming the key", () => {
    const config = configWith({ host: "192.0.2.1", port: 0 }, "host.json");
    const r = runCli(["serve", "--config", config], { TOKOKOMMO_CONFIG: undefined });
    expect(r.stderr).toContain("TK_ERR_SERVER_HOST");
    expect(r.stderr).toContain("server.host");
    expect(r.stderr).not.toContain("TK_ERR_INTERNAL");
    expect(r.status).toBe(2);
  });
});

describe("a privileged port", () => {
  it("EACCES/EPERM from listen() -> TK_ERR_PORT_FORBIDDEN naming server.port, exit code 2", () => {
    for (const code of ["EACCES", "EPERM"]) {
      const mapped = mapListenError(Object.assign(new Error(`listen ${code}`), { code }), "127.0.0.1", 80);
      expect(isTkError(mapped) && mapped.code).toBe("TK_ERR_PORT_FORBIDDEN");
      expect((mapped as TkError).fix).toMatch(/server\.port/);
      expect((mapped as TkError).exitCode).toBe(2);
    }
  });

  // Needs a user without the privilege: the tests run as root here and in CI, and root may drop to `nobody`.
  const asRoot = process.getuid?.() === 0;
  it.skipIf(!asRoot)(
    "tokokommo serve on port 80 as an unprivileged user: exit 2, TK_ERR_PORT_FORBIDDEN",
    () => {
      const nobody = 65534;
      const config = tmp.file(
        "privileged.json",
        withChanges(minimalRaw(), {
          server: { host: "127.0.0.1", port: 80 },
          statePath: `${tmp.dir}/p/state.db`,
        }),
      );
      chownSync(tmp.dir, nobody, nobody);
      chownSync(config, nobody, nobody);
      const r = spawnSync(process.execPath, [BIN, "serve", "--config", config], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined, HOME: tmp.dir },
        uid: nobody,
        gid: nobody,
        timeout: 60_000,
      });
      // A spawn that could not start (node or the checkout not readable by nobody) says so here, not as a mismatch.
      expect(r.error).toBeUndefined();
      expect(r.stderr).toContain("TK_ERR_PORT_FORBIDDEN");
      expect(r.stderr).not.toContain("TK_ERR_INTERNAL");
      expect(r.status).toBe(2);
    },
  );
});
