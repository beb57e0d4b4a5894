/**
 * The TaskQ contract suites inside workerd (`npm run test:workerd`): the test
 * files of test/workerd/ and the whole store run in a Worker of the project's
 * own workerd through `@cloudflare/vitest-pool-workers`, on a D1 binding and
 * on Durable Objects with SQLite storage. (vitest.config.ts runs every other
 * test in Node and leaves test/workerd/ out.)
 */
import { createRequire } from "node:module";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The project's own workerd (the `workerd` devDependency every other workerd test runs), not the older
// one the pool's miniflare brings: its miniflare runs the binary MINIFLARE_WORKERD_PATH names.
const workerd: { default: string } = createRequire(import.meta.url)("workerd");
process.env.MINIFLARE_WORKERD_PATH ??= workerd.default;

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/workerd/worker.ts",
      miniflare: {
        // as test/workerd.test.ts and test/do/ date theirs
        compatibilityDate: "2026-11-01",
        // No flag: the pool turns Node compatibility on in its runner itself (it needs node: modules). That
        // the store needs none: test/edge.bundle.test.ts (no node: import in the bundle) and
        // test/d1.workerd.test.ts (a Worker dated before Node compatibility became the default).
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
