/**
 * The reload rules, in process: settings read only at start are named (not applied) while the rest is; unchanged
 * bytes are no reload; a missing file is refused with the old config kept; each outcome is in the runtime card.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/daemon/config-reload.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { readRuntime } from "../../src/daemon/runtime-file.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";

let bed: Testbed;
let daemon: RunningDaemon;
const logs: { level: string; msg: string; details?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  bed = await startTestbed({ mode: "webhook" });
  const { config, hash } = loadConfigFile(bed.configPath, {});
  daemon = await startDaemon({
    config,
    port: 0,
    configFile: { path: bed.configPath, hash, env: {}, watch: false },
    log: (level, msg, details) => logs.push({ level, msg, ...(details ? { details } : {}) }),
  });
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
});

const raw = () => JSON.parse(readFileSync(bed.configPath, "utf8"));
const write = (value: unknown) => writeFileSync(bed.configPath, JSON.stringify(value));

describe("config reload", () => {
  it("applies shops and names the settings that need a restart", async () => {
    const r = raw();
    write({
      ...r,
      sync: { ...r.sync, pollIntervalSeconds: 60 },
      shops: [{ ...r.shops[0], name: "renamed" }],
    });
    const outcome = await daemon.reload();
    expect(outcome).toMatchObject({ ok: true, restartNeeded: ["sync"] });
    expect(readRuntime(bed.statePath)).toMatchObject({ generation: 2, lastReload: { ok: true } });
    expect(logs.find((l) => /take effect only when the daemon restarts/.test(l.msg))?.details).toMatchObject({
      keys: ["sync"],
    });
  });

  it("unchanged bytes are no reload", async () => {
    await daemon.reload();
    expect(readRuntime(bed.statePath)?.generation).toBe(2);
  });

  it("a missing file is refused; the daemon keeps its config", async () => {
    const before = raw();
    renameSync(bed.configPath, `${bed.configPath}.away`);
    try {
      const outcome = await daemon.reload();
      expect(outcome).toMatchObject({ ok: false, code: "TK_ERR_CONFIG_NOT_FOUND" });
      expect(readRuntime(bed.statePath)).toMatchObject({ generation: 2, lastReload: { ok: false } });
      expect(logs.at(-1)).toMatchObject({ level: "error", details: { code: "TK_ERR_CONFIG_NOT_FOUND" } });
    } finally {
      renameSync(`${bed.configPath}.away`, bed.configPath);
    }
    expect(raw()).toEqual(before);
  });
});
