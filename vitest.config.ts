import { configDefaults, defineConfig } from "vitest/config";
import EndToEndFirstSequencer from "./test/sequencer.js";

/**
 * Test files that need a process of their own, so they cannot share a worker thread with other files: they change
 * the process's umask or working directory (neither is allowed in a worker thread), or replace a native module with
 * vi.mock, which only works where the module has not been loaded yet.
 */
const PROCESS_BOUND = [
  "test/store/file-modes.test.ts",
  "test/store/state-location.test.ts",
  "test/store/native-missing.test.ts",
];

/** Child processes at a time for the `process` and `e2e` files (TK_TEST_WORKERS, default 2). */
const forks = Number(process.env.TK_TEST_WORKERS ?? 2);

/**
 * Three projects, all run by `npm test`:
 * - `unit`: in-process tests (simulators over real HTTP included), on a worker thread that runs file after file
 *   without a fresh module graph for each (isolate: false). Importing the bridge's modules anew for each of ~150
 *   files was about half of this project's CPU time. A unit test must therefore leave no global state behind
 *   (timers, env, mocks): each file cleans up after itself.
 * - `process`: the PROCESS_BOUND files, each in a fresh child process.
 * - `e2e` (test/e2e): whole daemons, in-process or the built binary, each file in a fresh child process.
 * `npx vitest run --project unit` runs the fast part.
 */
export default defineConfig({
  test: {
    // Rebuilds dist/ first when src/ is newer: the end-to-end tests run the built binary.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The thread and fork pools run side by side: one thread for the unit files and `forks` child processes for
    // the end-to-end files, three files at a time as before this split. Measured on this 2-core machine (whole
    // suite, idle): 1 thread + 2 processes 256 s, against 274-284 s for three isolated processes before. Four at
    // once (2 threads + 2 processes) took 245 s but failed a fake-time end-to-end test on PostgreSQL in one of two
    // CI runs: when the machine is busier, real work the fake-time loop cannot see lets fake time run ahead.
    // minThreads = maxThreads: a non-isolated thread pool that shrinks when idle ends a thread while vitest's
    // teardown task is still queued on it ("Terminating worker thread", an unhandled rejection).
    poolOptions: {
      threads: { isolate: false, maxThreads: 1, minThreads: 1 },
      forks: { maxForks: forks, minForks: 1 },
    },
    reporters: ["default"],
    // Which files start first when no timings are cached (a fresh clone: CI): see test/sequencer.ts.
    sequence: { sequencer: EndToEndFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          pool: "threads",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/e2e/**", ...PROCESS_BOUND],
        },
      },
      {
        extends: true,
        test: { name: "process", pool: "forks", include: PROCESS_BOUND },
      },
      {
        extends: true,
        test: { name: "e2e", pool: "forks", include: ["test/e2e/**/*.test.ts"] },
      },
    ],
  },
});
