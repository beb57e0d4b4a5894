/**
 * The driver boundary: what the store needs of a SQLite driver, and nothing
 * more. A `@libsql/client` Client is one (remote databases, injected
 * clients); `native.ts` is another (a `file:` database through the `libsql`
 * package with prepared statements kept, see there for why).
 *
 * @module
 */

import type { InStatement } from "@libsql/client";

/** A value a statement returns. */
export type Value = null | string | number | bigint | ArrayBuffer;

/** A returned row, read by column name. */
export interface Row {
  [column: string]: Value;
}

/** What one statement returned. */
export interface Result {
  rows: Row[];
  /** Rows changed by a statement that returns none (0 for one that does, as in `@libsql/client`). */
  rowsAffected: number;
}

/** A SQLite driver as the store uses it. Errors carry SQLite's base `code` (e.g. `SQLITE_BUSY`). */
export interface Driver {
  /** `"file"` for an embedded database (answers without I/O; one connection per process and file). */
  readonly protocol: string;
  readonly closed: boolean;
  execute(stmt: InStatement): Promise<Result>;
  /** All in one transaction: `"write"` takes the write lock at once, `"read"` is read-only. */
  batch(stmts: InStatement[], mode: "read" | "write"): Promise<Result[]>;
  close(): void;
}
