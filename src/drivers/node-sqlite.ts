/**
 * `node:sqlite` (Node ≥ 22.13 unflagged, and Deno) as the store's SQLite
 * library: the runtime's own SQLite, nothing to install.
 *
 * @module
 */

import type { Row } from "./driver.ts";
import type { SqliteLibrary } from "./sqlite-library.ts";
import { readsRows } from "./sqlite-statement-kind.ts";
import { IMMEDIATE_TURNS, importOptional } from "./load.ts";

interface DatabaseSync {
  prepare(sql: string): StatementSync;
  close(): void;
}
interface StatementSync {
  all(...args: unknown[]): Row[];
  get(...args: unknown[]): Row | undefined;
  run(...args: unknown[]): { changes: number | bigint };
  /** The result columns (Node ≥ 22.16, Deno); throws for a statement that returns none, in Deno. */
  columns?(): unknown[];
}

/** Whether a statement returns rows: by its columns where the runtime says, else by its text. */
function reader(s: StatementSync, sql: string): boolean {
  if (typeof s.columns !== "function") return readsRows(sql);
  try {
    return s.columns().length > 0;
  } catch {
    return false;
  }
}

/** The library, or null where the runtime has no `node:sqlite` (Node 20, or older 22 without the flag). */
export async function loadNodeSqlite(): Promise<SqliteLibrary | null> {
  const mod = await importOptional(["node:sqlite"]);
  const DatabaseSync = mod?.DatabaseSync as (new (path: string) => DatabaseSync) | undefined;
  if (typeof DatabaseSync !== "function") return null;
  return {
    name: "node:sqlite",
    numberedParams: true,
    resetsOnError: true,
    turns: IMMEDIATE_TURNS,
    open(path) {
      const db = new DatabaseSync(path);
      return {
        prepare(sql) {
          const s = db.prepare(sql);
          return {
            reader: reader(s, sql),
            all: (args) => s.all(...args),
            get: (args) => s.get(...args),
            run: (args) => Number(s.run(...args).changes),
          };
        },
        close: () => db.close(),
      };
    },
  };
}
