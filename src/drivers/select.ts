/**
 * Which SQLite library a `file:` (or `:memory:`) store opens: chosen by the
 * SQLite version each one carries, not by which happens to load. SQLite
 * 3.7.0 to 3.51.2 carry the WAL-reset bug (a write that resets the WAL while
 * another connection checkpoints can make that checkpoint skip committed
 * frames: a committed transaction is lost, or the file is left corrupt;
 * sqlite.org/wal.html, fixed in 3.51.3, back-ported to 3.44.6 and 3.50.7).
 * Several processes on one database file, each checkpointing, is exactly
 * that: so the default is a library with a patched SQLite.
 *
 * Per runtime, the first of its candidates that loads and carries a patched
 * SQLite wins; when none does, the first that loads is used and the store
 * warns. A library the user names is used as named (and warned about too).
 *
 * @module
 */

import type { SqliteDriverName, SqliteLibrary } from "./sqlite-library.ts";
export { isPatched };
import { isPatched, WAL_RESET_BUG } from "./sqlite-version.ts";
import { loadBetterSqlite3 } from "./better-sqlite3.ts";
import { loadBunSqlite } from "./bun-sqlite.ts";
import { loadLibsql } from "./libsql.ts";
import { loadNodeSqlite } from "./node-sqlite.ts";

/** The runtimes sokka opens `file:` databases in. */
export type Runtime = "node" | "bun" | "deno";

/** The runtime this code runs in. */
export function currentRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun ? "bun" : g.Deno ? "deno" : "node";
}

const LOADERS: Record<SqliteDriverName, () => Promise<SqliteLibrary | null>> = {
  "better-sqlite3": loadBetterSqlite3,
  "node:sqlite": loadNodeSqlite,
  "bun:sqlite": loadBunSqlite,
  libsql: loadLibsql,
};

/** Each runtime's candidates, in order; `libsql` (an unpatched SQLite) is never a default, only a last resort. */
export const CANDIDATES: Record<Runtime, SqliteDriverName[]> = {
  node: ["better-sqlite3", "node:sqlite"],
  bun: ["bun:sqlite"],
  deno: ["node:sqlite"],
};

/** What to do about an unpatched SQLite, per runtime. */
const FIX: Record<Runtime, string> = {
  node: "install better-sqlite3 ≥ 12.8.0 (an optional dependency of sokka: allow its install script), " +
    "or run a Node whose node:sqlite carries SQLite ≥ 3.51.3 (22.23.3 and 24.21.0 do; sokka info shows the version); " +
    'then drop any driver: "libsql"',
  bun: "upgrade Bun (on macOS Bun uses the system's SQLite)",
  deno: "upgrade Deno",
};

/** A library, its SQLite version, and the warning to give when that version carries the bug. */
export interface Chosen {
  lib: SqliteLibrary;
  version: string;
  /** Set when the version is in the bug's range (for a real file, the store emits it as a `warning` event). */
  warning?: string;
}

const loaded = new Map<SqliteDriverName, Promise<Loaded>>();

/** A library and the SQLite version it carries (read on a `:memory:` connection: no file is touched), once per process. */
function load(name: SqliteDriverName): Promise<Loaded> {
  let p = loaded.get(name);
  if (!p) {
    p = LOADERS[name]().then((lib): Loaded => {
      if (!lib) return { why: "it is not installed, or this runtime has no such module" };
      try {
        const db = lib.open(":memory:");
        try {
          const row = db.prepare("SELECT sqlite_version() AS v").all([])[0];
          return { lib, version: String(row?.v) };
        } finally {
          db.close();
        }
      } catch (e) {
        // present but unusable: an addon built for another Node, better-sqlite3 under Bun
        return { why: `it loads but cannot open a database (${e instanceof Error ? e.message : String(e)})`, cause: e };
      }
    });
    loaded.set(name, p);
  }
  return p;
}

/** A library that loads and opens (with its SQLite version), or why it does not. */
type Loaded = { lib: SqliteLibrary; version: string } | { why: string; cause?: unknown };

/** Thrown when a named driver cannot be used here. */
export class DriverUnavailable extends Error {
  constructor(readonly driver: SqliteDriverName, runtime: Runtime, why: string, cause?: unknown) {
    super(
      `driver "${driver}" cannot be used in ${runtime}: ${why}` +
        (driver === "better-sqlite3" && !cause ? " (npm install better-sqlite3, and allow its install script)" : ""),
      cause === undefined ? undefined : { cause },
    );
    this.name = "DriverUnavailable";
  }
}

/** Thrown when no SQLite library at all can be used in this runtime (an installation problem, not an option's). */
export class NoSqliteLibrary extends Error {
  constructor(runtime: Runtime, whys: string[]) {
    super(`no SQLite library can be used in ${runtime} for a file: database: ${whys.join("; ")}`);
    this.name = "NoSqliteLibrary";
  }
}

/** The library for a store: `choice` when given, else the runtime's first candidate with a patched SQLite. */
export async function chooseLibrary(choice?: SqliteDriverName): Promise<Chosen> {
  const runtime = currentRuntime();
  const warn = (c: { lib: SqliteLibrary; version: string }, fix = FIX[runtime]): Chosen =>
    isPatched(c.version) ? c : {
      ...c,
      warning: `SQLite ${c.version} (through ${c.lib.name}) ${WAL_RESET_BUG} Fix: ${fix}.`,
    };
  if (choice) {
    const c = await load(choice);
    if (!("lib" in c)) throw new DriverUnavailable(choice, runtime, c.why, c.cause);
    // a library this runtime would not pick itself (libsql), where its own carries a patched SQLite: the fix is
    // to let it pick, not to upgrade the runtime
    if (!isPatched(c.version) && runtime !== "node" && !CANDIDATES[runtime].includes(choice)) {
      const own = await load(CANDIDATES[runtime][0]);
      if ("lib" in own && isPatched(own.version)) {
        return warn(
          c,
          `drop driver: "${choice}" (this runtime's own ${own.lib.name}, SQLite ${own.version}, is the default)`,
        );
      }
    }
    return warn(c);
  }
  let first: { lib: SqliteLibrary; version: string } | null = null;
  const whys: string[] = [];
  for (const name of [...CANDIDATES[runtime], "libsql" as const]) {
    const c = await load(name);
    if (!("lib" in c)) {
      whys.push(`${name}: ${c.why}`);
      continue;
    }
    if (isPatched(c.version)) return c;
    first ??= c;
  }
  if (!first) throw new NoSqliteLibrary(runtime, whys);
  return warn(first);
}
