import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // inside workerd, by vitest.workers.config.ts (`npm run test:workerd`)
    exclude: [...configDefaults.exclude, "test/workerd/**"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Vitest's default (one fewer than the cores) runs one file at a time on CI's 2 cores; most files
    // wait on processes, browsers and disks rather than compute: on 2 cores the Node suite took ~400 s two
    // at a time and ~330 s three at a time. SOKKA_TEST_WORKERS sets it (CI: 2 per suite when four run at once).
    maxWorkers: Number(process.env.SOKKA_TEST_WORKERS ?? 0) || Math.max(3, availableParallelism() - 1),
    globalSetup: ["test/global-setup.ts"],
  },
});
