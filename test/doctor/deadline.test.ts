/**
 * doctor when hosts hang or refuse connections: independent checks run at once under one overall deadline, a
 * host that does not answer is reported unreachable (never "refused the token"), and every check is reported.
 * The deadline is shortened here; test/doctor/cli.test.ts proves the bound on the built binary.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEADLINE_MS, runDoctor } from "../../src/doctor/index.js";
import { type TempDir, tempDir, validRaw, withChanges } from "../config/fixtures.js";
import { closedPortUrl, type HangingServer, startHangingServer } from "../helpers/hanging-server.js";

let tmp: TempDir;
let hang: HangingServer;
beforeAll(async () => {
  tmp = tempDir();
  hang = await startHangingServer();
});
afterAll(async () => {
  await hang.close();
  tmp.cleanup();
});

/** A valid config whose every platform endpoint (and the IP echo) is `url`. */
function configAt(name: string, url: string): string {
  return tmp.file(
    `${name}.json`,
    withChanges(validRaw(), {
      statePath: join(tmp.dir, `${name}.db`),
      endpoints: {
        tokopediaAuth: url,
        tokopediaApi: url,
        tiktokshopAuth: url,
        tiktokshopApi: url,
        kommoApi: url,
        kommoChats: url,
        ipEcho: `${url}/ip`,
      },
    }),
  );
}

describe("doctor when every host hangs", () => {
  it("finishes within its overall deadline, all checks reported, hangs named unreachable", async () => {
    const started = performance.now();
    const r = await runDoctor({
      configPath: configAt("hang", hang.url),
      env: {},
      daemonUrl: hang.url,
      timeoutMs: 1_000,
      deadlineMs: 1_500,
    });
    const took = performance.now() - started;
    // Within the deadline (plus slack for a busy machine); the 5 hanging checks one after another would take 5 s.
    expect(took).toBeLessThan(1_500 + 1_500);
    expect(r.ok).toBe(false);
    const token = r.checks.find((c) => c.id === "kommo.token")!;
    expect(token.status).toBe("fail");
    expect(token.message).not.toMatch(/refused/);
    expect(token.message).toMatch(/no answer/);
    expect(token.fix).toMatch(/reach/);
    // Checks that hung were all started at once: each took about the per-check limit, none waited for another.
    const hung = r.checks.filter((c) => /no answer/.test(c.message));
    expect(hung.length).toBeGreaterThanOrEqual(4);
    for (const c of hung) expect(c.ms, c.id).toBeLessThan(1_500 + 1_000);
    expect(r.checks.find((c) => c.id === "kommo.scope")?.status).toBe("skip");
  });

  it("the default overall deadline keeps a fully hanging doctor within 25 s", () => {
    expect(DEFAULT_DEADLINE_MS).toBeLessThanOrEqual(25_000 - 2_000);
  });
});

describe("doctor when nothing listens", () => {
  it("says the platform cannot be reached, not that it refused the credentials", async () => {
    const closed = await closedPortUrl();
    const r = await runDoctor({ configPath: configAt("closed", closed), env: {}, daemonUrl: closed });
    const token = r.checks.find((c) => c.id === "kommo.token")!;
    expect(token.status).toBe("fail");
    expect(token.message).toMatch(/cannot reach Kommo/);
    expect(token.message).not.toMatch(/refused the token/);
    expect(token.fix).toContain("127.0.0.1");
    const creds = r.checks.find((c) => c.id === "tokopedia.credentials")!;
    expect(creds.message).toMatch(/cannot reach Tokopedia/);
    expect(creds.fix).not.toMatch(/client ID and client secret/);
  });
});
