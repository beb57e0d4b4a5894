/** Builds dist/ once before the suite: child processes spawned by tests run the built package with plain Node. */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  rmSync(`${root}/dist`, { recursive: true, force: true }); // nothing stale may reach the package test's tarball
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
