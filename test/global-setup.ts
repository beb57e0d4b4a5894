/**
 * Once before the suite: builds dist/ (child processes spawned by tests run the
 * built package with plain Node), and starts a real libSQL server (sqld) for
 * the remote target unless SOKKA_TEST_URL points at one already.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startSqld } from "./sqld.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the remote libSQL server of the `remote` target. */
    remoteUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  // SOKKA_DIST_READY=1: dist/ was just built from this tree (CI runs several suites side by side after the Node
  // one built it; a rebuild here would delete files under the other suites' child processes)
  if (process.env.SOKKA_DIST_READY !== "1") {
    rmSync(`${root}/dist`, { recursive: true, force: true }); // nothing stale may reach the package test's tarball
    for (const config of ["tsconfig.build.json", "tsconfig.cli.json"]) {
      execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", config], {
        cwd: root,
        stdio: "inherit",
      });
    }
  }

  if (process.env.SOKKA_TEST_URL) {
    project.provide("remoteUrl", process.env.SOKKA_TEST_URL);
    return;
  }
  const sqld = await startSqld();
  project.provide("remoteUrl", sqld.url);
  return () => sqld.stop();
}
