/**
 * The TaskQ contract suites inside workerd (`npm run test:workerd`): the test
 * files of test/workerd/ and the whole store run in a Worker of workerd
 * through `@cloudflare/vitest-pool-workers`, on a D1 binding and on Durable
 * Objects with SQLite storage. (vitest.config.ts runs every other test in
 * Node and leaves test/workerd/ out.)
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/workerd/worker.ts",
      miniflare: {
        // no later than the pool's own workerd (1.20260815.1) supports
        compatibilityDate: "2026-08-01",
        // No flag: the pool turns Node compatibility on in the runner itself (it needs node: modules); that
        // the store needs no flag is checked by test/workerd.test.ts and test/edge.bundle.test.ts.
        d1Databases: ["DB"],
        durableObjects: { CONTRACT: { className: "ContractObject", useSQLite: true } },
      },
    }),
  ],
  test: {
    include: ["test/workerd/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
