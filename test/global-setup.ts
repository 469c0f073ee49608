/**
 * Vitest global setup, two jobs. (1) The end-to-end tests spawn the built binary (bin/tokokommo.js -> dist/) and the daemon's
 * HTTP worker is loaded from dist/http-worker.js, so a stale build would test yesterday's code. Before any test
 * runs, dist/ is rebuilt when it is missing or older than a file under src/ (`npm test` builds just before, so
 * there this only checks; `npx vitest run test/some.test.ts` after an edit rebuilds first).
 * (2) Where this machine can run PostgreSQL, one server for the whole run that the test files share
 * (test/helpers/postgres-shared.ts), stopped and removed at the end.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { type LaunchingPostgres, launchPostgres, postgresAvailable } from "./helpers/postgres-server.js";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const BUILT = ["cli.js", "index.js", "http-worker.js"];
const INPUTS = ["src", "tsup.config.ts", "package.json"];

/** The newest modification time under `path` (a file or a directory tree). */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Why dist/ must be rebuilt, or undefined when it is up to date. */
export function staleBuild(root = ROOT): string | undefined {
  const built = BUILT.map((f) => join(root, "dist", f));
  const missing = built.find((f) => !existsSync(f));
  if (missing) return `${missing} is missing`;
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const sourceAt = Math.max(
    ...INPUTS.map((p) => join(root, p))
      .filter(existsSync)
      .map(newest),
  );
  return sourceAt > builtAt ? "src/ changed after the last build" : undefined;
}

/**
 * The shared server and how many projects' setups use it (each project runs this setup; one server serves all).
 * It starts in the background: the test files get its address at once and wait until it accepts connections
 * (postgres-shared.ts), so a run of files that never use it does not wait for initdb. When it cannot start, the
 * reason goes to `failure`, which those waits read.
 */
let shared: { launching: Promise<LaunchingPostgres> | null; failure: string; users: number } | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rebuildWhenStale();
  if (!shared) {
    const failure = join(tmpdir(), `tokokommo-pg-shared-${process.pid}.failed`);
    rmSync(failure, { force: true });
    const launching = postgresAvailable() ? launchPostgres() : null;
    launching?.then(
      (l) => l.ready.catch((err: Error) => writeFileSync(failure, err.message)),
      (err: Error) => writeFileSync(failure, err.message),
    );
    shared = { launching, failure, users: 0 };
  }
  shared.users += 1;
  const launched = await shared.launching?.catch(() => undefined);
  project.provide(
    "sharedPostgres",
    launched
      ? { adminUrl: launched.server.adminUrl, port: launched.server.port, failure: shared.failure }
      : null,
  );
  return async () => {
    if (!shared) return;
    shared.users -= 1;
    if (shared.users > 0) return;
    const { launching, failure } = shared;
    shared = undefined;
    rmSync(failure, { force: true });
    await (await launching?.catch(() => undefined))?.server.stop();
  };
}

function rebuildWhenStale(): void {
  const why = staleBuild();
  if (!why) return;
  process.stderr.write(`global setup: rebuilding dist/ (${why})\n`);
  execFileSync(process.execPath, [join(ROOT, "node_modules", "tsup", "dist", "cli-default.js")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const still = staleBuild();
  if (still) throw new Error(`dist/ is still stale after rebuilding (${still}); run \`npm run build\``);
}
