/**
 * `bun:sqlite` (Bun's own SQLite: 3.54.1 in Bun 1.4.5 on Linux; on macOS
 * Bun uses the system's SQLite, and the version check decides) as the
 * store's SQLite library.
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
  readonly columnNames: string[];
  all(...args: unknown[]): Row[];
  get(...args: unknown[]): Row | null;
  run(...args: unknown[]): { changes: number };
  finalize(): void;
}

/** The library, or null outside Bun. */
export async function loadBunSqlite(): Promise<SqliteLibrary | null> {
  const mod = await importOptional(["bun:sqlite"]);
  const Database = mod?.Database as (new (path: string) => Database) | undefined;
  if (typeof Database !== "function") return null;
  return {
    name: "bun:sqlite",
    numberedParams: true,
    resetsOnError: true,
    turns: IMMEDIATE_TURNS,
    open(path) {
      const db = new Database(path);
      // every statement not yet freed: Bun keeps a closed database's file open (its space too, once deleted) until
      // the garbage collector frees its statements, so close() frees them first
      const live = new Set<Statement>();
      const free = (s: Statement) => {
        if (live.delete(s)) s.finalize();
      };
      return {
        prepare(sql) {
          const s = db.prepare(sql);
          live.add(s);
          return {
            reader: s.columnNames.length > 0,
            all: (args) => s.all(...args),
            get: (args) => s.get(...args) ?? undefined,
            run: (args) => s.run(...args).changes,
            finalize: () => free(s),
          };
        },
        close: () => {
          for (const s of [...live]) free(s);
          db.close();
        },
      };
    },
  };
}
