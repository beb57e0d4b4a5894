/**
 * `better-sqlite3` (a Node-API addon that bundles its own SQLite: 3.51.3
 * from 12.8.0, without the WAL-reset bug) as the store's SQLite library under
 * Node where `node:sqlite` is missing or older. An optional dependency of
 * sokka: built at install (node-gyp) where no prebuilt binary is found.
 *
 * @module
 */

import type { Row } from "./driver.ts";
import type { SqliteLibrary } from "./sqlite-library.ts";
import { IMMEDIATE_TURNS, importOptional } from "./load.ts";

interface Database {
  prepare(sql: string): Statement;
  close(): void;
}
interface Statement {
  readonly reader: boolean;
  all(args: unknown[]): Row[];
  get(args: unknown[]): Row | undefined;
  run(args: unknown[]): { changes: number };
}

/** The library, or null where the package is not installed (or its addon does not load). */
export async function loadBetterSqlite3(): Promise<SqliteLibrary | null> {
  const mod = await importOptional(["better-sqlite3"]);
  const Database = (mod?.default ?? mod) as (new (path: string) => Database) | null;
  if (typeof Database !== "function") return null;
  return {
    name: "better-sqlite3",
    numberedParams: false, // `?1` binds only by name: the driver rewrites them to `?`
    resetsOnError: true,
    turns: IMMEDIATE_TURNS,
    open(path) {
      const db = new Database(path);
      return {
        prepare(sql) {
          const s = db.prepare(sql);
          return {
            reader: s.reader,
            all: (args) => s.all(args),
            get: (args) => s.get(args),
            run: (args) => s.run(args).changes,
          };
        },
        close: () => db.close(),
      };
    },
  };
}
