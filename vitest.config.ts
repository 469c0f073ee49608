import { configDefaults, defineConfig } from "vitest/config";
import EndToEndFirstSequencer from "./test/sequencer.js";

/**
 * Two projects, both run by `npm test`: `unit` (in-process tests, simulators over real HTTP included) and `e2e`
 * (test/e2e: whole daemons, in-process or the built binary). `npx vitest run --project unit` runs the fast half.
 */
export default defineConfig({
  test: {
    // Rebuilds dist/ first when src/ is newer: the end-to-end tests run the built binary.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most test time is waiting on loopback HTTP and timers, not CPU: three test files at a time on this 2-core
    // machine take the suite from about 8 minutes (vitest's default here is one at a time) to about 3.
    // TK_TEST_WORKERS overrides it (1 runs the files one after another).
    maxWorkers: Number(process.env.TK_TEST_WORKERS ?? 3),
    minWorkers: 1,
    reporters: ["default"],
    // Which files start first when no timings are cached (a fresh clone: CI): see test/sequencer.ts.
    sequence: { sequencer: EndToEndFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/e2e/**"],
        },
      },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"] },
      },
    ],
  },
});
