/**
 * The statements of one embedded connection, each prepared once and kept
 * (least recently used dropped): preparing on every call was most of a
 * worker's CPU (docs/performance.md, "Constant statements, kept prepared").
 *
 * @module
 */

import type { SqliteConnection, SqliteStatement } from "../drivers/sqlite-library.ts";
import { positional } from "./sqlite-params.ts";

/** Statements kept prepared per connection (the store sends a few dozen texts). */
const KEPT_MAX = 200;

/** A prepared statement and how to bind its arguments (`order`: see `positional`). */
export interface Prepared {
  stmt: SqliteStatement;
  order: number[] | null;
}

/**
 * The cache key of a statement: its text, and whether it is read with `get()`.
 * A statement is only ever read one way. `libsql` 0.5.29 leaves a statement
 * that `all()` read to its end un-reset, and `get()` binds without a reset
 * first: the bind fails unseen and `get()` runs the statement again with the
 * arguments of the `all()` before it.
 */
export const cacheKey = (sql: string, oneRow: boolean): string => oneRow ? "1" + sql : sql;

/** Prepared statements by `cacheKey`, most recently used last. */
export class StatementCache {
  readonly #db: SqliteConnection;
  readonly #numberedParams: boolean;
  readonly #kept = new Map<string, Prepared>();

  constructor(db: SqliteConnection, numberedParams: boolean) {
    this.#db = db;
    this.#numberedParams = numberedParams;
  }

  /**
   * The statement kept under `key`, taken out until `keep` puts it back once
   * it ran (a statement that failed is not kept: it may not have been reset,
   * and would hold its lock), or `sql` prepared now.
   */
  take(key: string, sql: string): Prepared {
    const kept = this.#kept.get(key);
    if (!kept) return this.#prepare(sql);
    this.#kept.delete(key);
    return kept;
  }

  /** Keeps `prepared` as the most recently used, dropping the least recently used past the limit. */
  keep(key: string, prepared: Prepared): void {
    this.#kept.set(key, prepared);
    if (this.#kept.size > KEPT_MAX) {
      const oldest = this.#kept.keys().next().value!;
      this.#kept.get(oldest)!.stmt.finalize?.();
      this.#kept.delete(oldest);
    }
  }

  /** Frees every kept statement (before the connection closes). */
  clear(): void {
    for (const { stmt } of this.#kept.values()) stmt.finalize?.();
    this.#kept.clear();
  }

  #prepare(sql: string): Prepared {
    if (this.#numberedParams) return { stmt: this.#db.prepare(sql), order: null };
    const p = positional(sql);
    return { stmt: this.#db.prepare(p.sql), order: p.order };
  }
}
