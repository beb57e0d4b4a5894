/**
 * What the embedded driver (`SqliteDriver`) needs from below: a synchronous
 * SQLite library, adapted in one file per library in `src/drivers/`, and a
 * way to tell which file a path names (`src/drivers/file-identity.ts`).
 *
 * @module
 */

import type { Driver, Row } from "./driver.ts";

/** A statement of a SQLite library, prepared once. */
export interface SqliteStatement {
  /** Whether it returns rows (a SELECT, a write with RETURNING, a PRAGMA that answers). */
  readonly reader: boolean;
  /** Every row, running the statement to its end. */
  all(args: unknown[]): Row[];
  /** The first row, or undefined; the statement is reset after it (only ever used for reads: see `readsOnly`). */
  get(args: unknown[]): Row | undefined;
  /** Runs a statement that returns no rows; how many rows it changed. */
  run(args: unknown[]): number;
  /** Frees the statement now, where the library would otherwise wait for the garbage collector (and keep the file open). */
  finalize?(): void;
}

/** A connection of a SQLite library. */
export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** The names of the SQLite libraries sokka can use for a `file:` database. */
export type SqliteDriverName = "better-sqlite3" | "node:sqlite" | "bun:sqlite" | "libsql";

/** A SQLite library, adapted (one file per library in `src/drivers/`). */
export interface SqliteLibrary {
  readonly name: SqliteDriverName;
  /** Opens a connection on a path (or `:memory:`), synchronously. */
  open(path: string): SqliteConnection;
  /** The library binds `?NNN` parameters from a plain array (better-sqlite3 does not: they are rewritten). */
  readonly numberedParams: boolean;
  /**
   * The library resets a statement that failed. `libsql` (0.5.29) does not:
   * a lone write refused as busy stays active, holding its transaction open,
   * so later writes on the connection run inside it, are acknowledged, and
   * are rolled back when the stale statement is collected. The driver then
   * runs every lone write in a transaction of its own, so that only a BEGIN
   * can meet a busy database and a failed write is ended by a ROLLBACK.
   */
  readonly resetsOnError: boolean;
  /**
   * How the library yields the event-loop turn that frees its native memory
   * (see `Driver.turns`); absent: the store's default.
   */
  readonly turns?: Driver["turns"];
}

/** Tells whether the database file at a path is still the one a connection opened. */
export interface FileIdentity {
  /** The path made absolute against the current directory (SQLite opens it so; a later chdir changes nothing). */
  absolute(path: string): string;
  /** An identity of the file at `path` (device and inode), or null when there is none. */
  of(path: string): string | null;
}

/** Runs a statement without arguments whether or not it answers rows (a PRAGMA that sets a value may). */
export function runEither(stmt: SqliteStatement): void {
  if (stmt.reader) stmt.all([]);
  else stmt.run([]);
}
