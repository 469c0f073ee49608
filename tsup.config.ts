import { defineConfig } from "tsup";

// One ESM bundle per entry; dependencies stay external (installed from the lock file).
// Heavy modules are reached through dynamic import() inside commands, so code splitting
// keeps `tokokommo --help` from loading SQLite, undici or the simulators.
export default defineConfig({
  entry: { cli: "src/cli/main.ts", index: "src/index.ts" },
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  sourcemap: true,
  clean: true,
  dts: false,
  shims: false,
});
