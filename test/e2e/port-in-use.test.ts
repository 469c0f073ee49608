/**
 * `serve` on a port a running daemon holds (a second daemon with its own state file): exit 1 with
 * TK_ERR_PORT_IN_USE naming the port, and the first daemon keeps serving.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { useDaemonBed } from "../helpers/daemon-bed.js";
import { freePort } from "../helpers/daemon-process.js";

const daemons = useDaemonBed();

it("a second serve on the port the first one holds exits 1 with TK_ERR_PORT_IN_USE naming the port", async () => {
  const { bed } = daemons;
  const port = await freePort();
  const daemon = await daemons.spawn([], port);
  const other = join(bed.dir, "other.json");
  const raw = JSON.parse(readFileSync(bed.configPath, "utf8"));
  writeFileSync(other, JSON.stringify({ ...raw, statePath: join(bed.dir, "other.db") }), { mode: 0o600 });
  const r = await runCliAsync(["serve", "--config", other, "--port", String(port)], {
    TOKOKOMMO_CONFIG: undefined,
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("TK_ERR_PORT_IN_USE");
  expect(r.stderr).toContain(`port ${port}`);
  const res = await request(`${daemon.url}/healthz`);
  expect(res.statusCode).toBe(200);
  await res.body.dump();
});
