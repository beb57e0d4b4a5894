/**
 * The `libsql` package (the native driver under `@libsql/client`) as the
 * store's SQLite library: only when chosen (`driver: "libsql"`), since its
 * SQLite, 3.45.1 in 0.5.29, carries the WAL-reset bug (tursodatabase/libsql
 * #2271), or where no other library loads.
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
  all(args: unknown): Row[];
  get(args: unknown): (Row & { _metadata?: unknown }) | undefined;
  run(args: unknown): { changes: number };
}

/** The library, or null where the package cannot be loaded. */
export async function loadLibsql(): Promise<SqliteLibrary | null> {
  // Node, Bun and Deno with a node_modules directory resolve the bare name; Deno from JSR the npm: one.
  const mod = await importOptional(["libsql", "npm:libsql@^0.5.29"]);
  const Database = (mod?.default ?? mod) as (new (path: string) => Database) | null;
  if (typeof Database !== "function") return null;
  return {
    name: "libsql",
    numberedParams: true,
    resetsOnError: false, // see SqliteLibrary.resetsOnError
    turns: IMMEDIATE_TURNS,
    open(path) {
      const db = new Database(path);
      return {
        prepare(sql) {
          const s = db.prepare(sql);
          return {
            reader: s.reader,
            all: (args) => s.all(args),
            get: (args) => {
              const row = s.get(args);
              if (row) delete row._metadata; // the timing get() adds
              return row;
            },
            run: (args) => s.run(args).changes,
          };
        },
        close: () => db.close(),
      };
    },
  };
}
