/**
 * The statements of one embedded connection, each prepared once and kept
 * (least recently used dropped): preparing on every call was most of a
 * worker's CPU (docs/performance.md, "Constant statements, kept prepared").
 *
 * @module
 */

import type { SqliteConnection, SqliteStatement } from "../drivers/sqlite-library.ts";
import { positional } from "./sqlite-params.ts";

/** Statements kept prepared per connection and way of reading (the store sends a few dozen texts). */
const KEPT_MAX = 200;

/** A prepared statement and how to bind its arguments (`order`: see `positional`). */
export interface Prepared {
  stmt: SqliteStatement;
  order: number[] | null;
}

/**
 * Prepared statements by text, in two sets: those read with `get()` (a
 * one-row read) and the others, each most recently used last. A statement is
 * only ever read one way. `libsql` 0.5.29 leaves a statement that `all()`
 * read to its end un-reset, and `get()` binds without a reset first: the
 * bind fails unseen and `get()` runs the statement again with the arguments
 * of the `all()` before it. Two maps, not one keyed by a mark plus the text:
 * a key built per call is a new string, hashed in full at every lookup
 * (~0.7 µs for a single create's 900 characters).
 */
export class StatementCache {
  readonly #db: SqliteConnection;
  readonly #numberedParams: boolean;
  /** [read with all() or run(), read with get()] */
  readonly #kept = [new Map<string, Prepared>(), new Map<string, Prepared>()] as const;

  constructor(db: SqliteConnection, numberedParams: boolean) {
    this.#db = db;
    this.#numberedParams = numberedParams;
  }

  /**
   * The statement of `sql` kept for reading with `get()` (`oneRow`) or not,
   * taken out until `keep` puts it back once it ran (a statement that failed
   * is not kept: it may not have been reset, and would hold its lock), or
   * `sql` prepared now.
   */
  take(sql: string, oneRow: boolean): Prepared {
    const set = this.#kept[oneRow ? 1 : 0];
    const kept = set.get(sql);
    if (!kept) return this.#prepare(sql);
    set.delete(sql);
    return kept;
  }

  /** Keeps `prepared` as the most recently used of its set, dropping the least recently used past the limit. */
  keep(sql: string, oneRow: boolean, prepared: Prepared): void {
    const set = this.#kept[oneRow ? 1 : 0];
    set.set(sql, prepared);
    if (set.size > KEPT_MAX) {
      const oldest = set.keys().next().value!;
      const dropped = set.get(oldest)!;
      set.delete(oldest);
      // out of the map first: a finalize that throws must not fail the statement that just ran (a
      // committed write reported as failed) nor leave a dead statement kept
      try {
        dropped.stmt.finalize?.();
      } catch {
        // freed with the connection at the latest
      }
    }
  }

  /** Frees every kept statement (before the connection closes). */
  clear(): void {
    for (const set of this.#kept) {
      for (const { stmt } of set.values()) stmt.finalize?.();
      set.clear();
    }
  }

  #prepare(sql: string): Prepared {
    if (this.#numberedParams) return { stmt: this.#db.prepare(sql), order: null };
    const p = positional(sql);
    return { stmt: this.#db.prepare(p.sql), order: p.order };
  }
}
