/** Shared helpers of the test suites: database targets, temp files, waiting on conditions. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client/web";
import { inject } from "vitest";
import { createTaskQ, type TaskQ, type TaskQOptions } from "../mod.ts";
import { chooseLibrary, currentRuntime } from "../src/drivers/select.ts";
import { filePath } from "../src/libsql/file-driver.ts";
import { SqliteDriver } from "../src/libsql/sqlite-driver.ts";
import type { SqliteDriverName } from "../src/drivers/sqlite-library.ts";
import type { Target } from "./contract-helpers.ts";

// The helpers the contract suites use carry no node: import (they also run inside workerd: test/workerd/);
// re-exported here so every other test imports them from this module as before.
export { rejection, type Target, uniq, waitFor } from "./contract-helpers.ts";

/** A temp directory removed by `cleanup`. */
export function tempDir(prefix = "sokka-test-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A `file:` URL in a fresh temp directory. */
export function tempDbUrl(): { url: string; path: string; cleanup(): void } {
  const t = tempDir();
  const path = join(t.dir, "test.db");
  return { url: `file:${path}`, path, cleanup: t.cleanup };
}

/**
 * `:memory:`, a temp `file:` database on each SQLite library the runtime has
 * (`fileDrivers()`), and a real libSQL server (sqld, started
 * by the global setup, or SOKKA_TEST_URL) reached the way an edge worker
 * reaches it: an injected client of `@libsql/client/web` over HTTP.
 */
export const TARGETS: Target[] = [
  {
    name: ":memory:",
    make: (opts) => {
      const taskq = createTaskQ({ ...opts, url: ":memory:" });
      return { taskq, cleanup: () => taskq.close() };
    },
  },
  ...fileDrivers().map((driver, i): Target => ({
    // the runtime's default library first, as plain "file:"; then each other one it has
    name: i === 0 ? "file:" : `file: (${driver})`,
    make: (opts) => {
      const db = tempDbUrl();
      const taskq = createTaskQ({ ...opts, url: db.url, ...(i === 0 ? {} : { driver }) });
      taskq.addEventListener("warning", (e) => e.preventDefault()); // libsql's, known
      return {
        taskq,
        cleanup: async () => {
          await taskq.close();
          db.cleanup();
        },
      };
    },
  })),
  {
    name: "remote (sqld over HTTP, @libsql/client/web)",
    shared: true,
    // Every test gets its own topics/ids (see uniq()), so one shared server database is fine.
    make: (opts) => remoteTaskQ(opts),
  },
];

/** A store on the suite's libSQL server through an injected `@libsql/client/web` client (the edge set-up). */
export function remoteTaskQ(opts?: TaskQOptions): { taskq: TaskQ; cleanup(): Promise<void> } {
  const client = createClient({ url: inject("remoteUrl"), authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
  const taskq = createTaskQ({ ...opts, client });
  return {
    taskq,
    cleanup: async () => {
      await taskq.close(); // leaves an injected client open…
      client.close(); // …so it is closed here
    },
  };
}

/**
 * A store on a `file:` URL through `driver` (or the runtime's default). A
 * library named on purpose is known to the test: `libsql`'s warning that its
 * SQLite carries the WAL-reset bug is expected and not printed.
 */
export function storeOn(url: string, driver?: SqliteDriverName, opts?: TaskQOptions): TaskQ {
  const taskq = createTaskQ({ ...opts, url, driver });
  if (driver) {
    taskq.addEventListener("warning", (e) => e.detail.code === "sqlite-wal-reset-bug" && e.preventDefault());
  }
  return taskq;
}

/**
 * A raw connection on a `file:` database, to read or write past the store,
 * through the SQLite library this process's stores on that file use: this
 * runtime's default, or the `driver` a test named for its stores. Never a
 * second SQLite library on one file in one process: two copies of SQLite in
 * a process do not see each other's locks (sqlite.org/howtocorrupt.html,
 * 2.2.1); a `@libsql/client` next to a `better-sqlite3` store wrote while the
 * store thought it held the write lock. (Another process may use another.)
 */
export async function rawDb(
  url: string,
  opts: { driver?: SqliteDriverName; busyTimeoutMs?: number } = {},
): Promise<SqliteDriver> {
  return new SqliteDriver((await chooseLibrary(opts.driver)).lib, filePath(url), opts.busyTimeoutMs ?? 5_000);
}

/**
 * The libraries this run is without on purpose (`SOKKA_TEST_WITHOUT`,
 * comma-separated): `npm run test:node22` / `test:node24` run a Node other
 * than the one `npm ci` built `better-sqlite3`'s addon for, so that addon
 * cannot load there (another NODE_MODULE_VERSION) and the store falls back
 * to `node:sqlite`. test/sqlite.driver.test.ts checks they indeed do not load.
 */
export function driversWithout(): SqliteDriverName[] {
  return (process.env.SOKKA_TEST_WITHOUT ?? "").split(",").map((s) => s.trim()).filter(Boolean) as SqliteDriverName[];
}

/**
 * The SQLite libraries this runtime must have for `file:` databases (a
 * missing one fails the suites that run on each; none is skipped): its
 * default first (src/drivers/select.ts), then the others it can load, less
 * those this run is without on purpose (`driversWithout`).
 */
export function fileDrivers(): SqliteDriverName[] {
  const without = driversWithout();
  return runtimeDrivers().filter((d) => !without.includes(d));
}

function runtimeDrivers(): SqliteDriverName[] {
  const runtime = currentRuntime();
  if (runtime === "bun") return ["bun:sqlite", "libsql"];
  if (runtime === "deno") return ["node:sqlite", "libsql"];
  const [major, minor] = process.versions.node.split(".").map(Number);
  const nodeSqlite = major > 22 || (major === 22 && minor >= 13);
  return nodeSqlite ? ["better-sqlite3", "node:sqlite", "libsql"] : ["better-sqlite3", "libsql"];
}
