/**
 * Vitest global setup, two jobs. (1) The end-to-end tests spawn the built binary (bin/tokokommo.js -> dist/) and the daemon's
 * HTTP worker is loaded from dist/http-worker.js, so a stale build would test yesterday's code. Before any test
 * runs, dist/ is rebuilt when it is missing or older than a file under src/ (`npm test` builds just before, so
 * there this only checks; `npx vitest run test/some.test.ts` after an edit rebuilds first).
 * (2) Where this machine can run PostgreSQL, one server for the whole run that the test files share
 * (test/helpers/postgres-shared.ts), stopped and removed at the end.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { postgresAvailable, startPostgres, type TestPostgres } from "./helpers/postgres-server.js";

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

/** The shared server and how many projects' setups use it (each project runs this setup; one server serves all). */
let shared: { server: Promise<TestPostgres | null>; users: number } | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rebuildWhenStale();
  shared ??= { server: postgresAvailable() ? startPostgres() : Promise.resolve(null), users: 0 };
  shared.users += 1;
  const server = await shared.server;
  project.provide("sharedPostgres", server ? { adminUrl: server.adminUrl, port: server.port } : null);
  return async () => {
    if (!shared) return;
    shared.users -= 1;
    if (shared.users > 0) return;
    const stopping = shared.server;
    shared = undefined;
    await (await stopping)?.stop();
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
