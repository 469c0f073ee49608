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
 * - `unit`: in-process tests (simulators over real HTTP included), on two worker threads that run file after file
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
    // The thread and fork pools run side by side: two threads for the unit files and `forks` child processes for
    // the end-to-end files. Measured on this 2-core machine (whole suite, idle): 2 threads + 2 processes 245 s,
    // 1 + 2 256 s, 1 + 3 251 s (a single unit thread is then the last to finish), against 274-284 s for three
    // isolated processes before. Five isolated processes at once (a trial) failed a timing-sensitive end-to-end test.
    // minThreads = maxThreads: a non-isolated thread pool that shrinks when idle ends a thread while vitest's
    // teardown task is still queued on it ("Terminating worker thread", an unhandled rejection).
    poolOptions: {
      threads: { isolate: false, maxThreads: 2, minThreads: 2 },
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
