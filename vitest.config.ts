import { configDefaults, defineConfig } from "vitest/config";

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
    reporters: ["default"],
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
