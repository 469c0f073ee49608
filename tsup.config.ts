import { defineConfig } from "tsup";

// One ESM bundle per entry; dependencies stay external (installed from the lock file).
// Heavy modules are reached through dynamic import() inside commands, so code splitting
// keeps `tokokommo --help` from loading SQLite, undici or the simulators.
export default defineConfig({
  // http-worker: the daemon's HTTP thread (src/net/worker-transport.ts loads it from dist/ by file name).
  entry: { cli: "src/cli/main.ts", index: "src/index.ts", "http-worker": "src/net/http-worker.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  sourcemap: true,
  clean: true,
  // Type declarations for the library entry only (package.json "exports" types): dist/index.d.ts, one bundled file.
  dts: { entry: { index: "src/index.ts" } },
  shims: false,
});
