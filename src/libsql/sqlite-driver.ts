/**
 * The store's driver for an embedded SQLite database (`file:`, `:memory:`),
 * over any synchronous SQLite library: `better-sqlite3`, `node:sqlite`,
 * `bun:sqlite` or `libsql` (each adapted in `src/drivers/`). What the store
 * relies on lives here once, whichever library runs underneath:
 *
 * - each statement is prepared once and kept (sqlite-statement-cache.ts);
 * - a write is read to its end, where a failed commit surfaces (see
 *   `readsOnly` in sqlite-statement-kind.ts);
 * - the short-pause BEGIN of a contended write lock (sqlite-begin-write.ts);
 * - SQLite's errors with their base code (sqlite-errors.ts);
 * - one SQLite library per file in a process (sqlite-open-files.ts);
 * - a database file deleted or replaced under the open connection is
 *   noticed (see `#check`).
 *
 * @module
 */

import type { Driver, Result, Row, Statement } from "../drivers/driver.ts";
import { WriteBegin } from "./sqlite-begin-write.ts";
import { asDriverError, SqliteDriverError, toDriverError } from "./sqlite-errors.ts";
import {
  type FileIdentity,
  runEither,
  type SqliteConnection,
  type SqliteDriverName,
  type SqliteLibrary,
} from "../drivers/sqlite-library.ts";
import { claimFile, refuseOtherLibrary, releaseFile } from "./sqlite-open-files.ts";
import { bindArgs } from "./sqlite-params.ts";
import { type Prepared, StatementCache } from "./sqlite-statement-cache.ts";
import { isWrite, readsOnly } from "../drivers/sqlite-statement-kind.ts";

/** How often (ms) the file's identity is checked against the one opened. */
const IDENTITY_EVERY_MS = 1_000;

/** One connection to an embedded database through a SQLite library, its statements kept prepared. */
export class SqliteDriver implements Driver {
  readonly protocol = "file";
  readonly name: SqliteDriverName;
  readonly turns: Driver["turns"];
  readonly #lib: SqliteLibrary;
  readonly #db: SqliteConnection;
  readonly #path: string;
  readonly #identity: FileIdentity | null;
  /** The file's identity when opened (null: not checked, e.g. `:memory:`). */
  readonly #opened: string | null;
  #checkedAt = performance.now();
  #moved = false;
  #closed = false;
  #inTransaction = false;
  readonly #statements: StatementCache;
  readonly #busyTimeoutMs: number;
  /** The BEGIN of write transactions, prepared at the first one. */
  #writeBegin: WriteBegin | undefined;

  constructor(lib: SqliteLibrary, path: string, busyTimeoutMs: number, identity: FileIdentity | null = null) {
    this.#lib = lib;
    this.name = lib.name;
    this.turns = lib.turns;
    const memory = path === ":memory:" || path === "";
    this.#path = memory || !identity ? path : identity.absolute(path);
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#identity = memory ? null : identity;
    refuseOtherLibrary(this.#identity?.of(this.#path) ?? null, this.#path, lib.name);
    try {
      this.#db = lib.open(this.#path);
      runEither(this.#db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`));
    } catch (e) {
      const mapped = toDriverError(e);
      if (mapped instanceof SqliteDriverError) throw mapped;
      // better-sqlite3 refuses a missing directory with a TypeError of its own
      throw new SqliteDriverError(String((e as Error)?.message ?? e), "SQLITE_CANTOPEN", "SQLITE_CANTOPEN", 14, {
        cause: e,
      });
    }
    this.#opened = this.#identity?.of(this.#path) ?? null;
    if (this.#opened !== null) {
      try {
        claimFile(this.#opened, this.#path, lib.name);
      } catch (e) {
        this.#db.close();
        throw e;
      }
    }
    this.#statements = new StatementCache(this.#db, lib.numberedParams);
  }

  get closed(): boolean {
    return this.#closed;
  }

  execute(stmt: Statement): Promise<Result> {
    if (!this.#lib.resetsOnError && isWrite(typeof stmt === "string" ? stmt : stmt.sql)) {
      return this.batch([stmt], "write").then((rs) => rs[0]);
    }
    try {
      this.#check();
      return Promise.resolve(this.#run(stmt));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
    try {
      this.#check();
      if (mode === "write") {
        (this.#writeBegin ??= new WriteBegin(this.#db, this.#busyTimeoutMs)).run(() => this.#rollback());
      } else this.#run("BEGIN");
      this.#inTransaction = true;
      const results: Result[] = [];
      try {
        for (const stmt of stmts) results.push(this.#run(stmt));
        this.#run("COMMIT");
        this.#inTransaction = false;
      } finally {
        // a failed statement (or COMMIT) may leave the transaction open: end it before the next caller
        if (this.#inTransaction) this.#rollback();
      }
      return Promise.resolve(results);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#writeBegin = undefined;
    this.#db.close();
    if (this.#opened !== null) releaseFile(this.#opened);
  }

  /**
   * Refuses every call once the database file was deleted or replaced: the
   * connection still reads and writes the old file, which nothing will ever
   * open again (a restart would silently start on a new, empty database).
   * Checked at most once a second, with one `stat`.
   */
  #check(): void {
    if (this.#closed) throw new SqliteDriverError("The client is closed", "CLIENT_CLOSED");
    if (this.#opened === null) return;
    if (!this.#moved && performance.now() - this.#checkedAt >= IDENTITY_EVERY_MS) {
      this.#checkedAt = performance.now();
      this.#moved = this.#identity!.of(this.#path) !== this.#opened;
    }
    if (this.#moved) {
      throw new SqliteDriverError(
        `the database file ${this.#path} was deleted or replaced since it was opened`,
        "SQLITE_READONLY",
        "SQLITE_READONLY_DBMOVED",
      );
    }
  }

  #rollback(): void {
    this.#inTransaction = false;
    try {
      this.#run("ROLLBACK");
    } catch {
      // SQLite rolled it back already (a failed COMMIT on a full disk does)
    }
  }

  #run(stmt: Statement): Result {
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    // read with get(): a one-row read (a one-row write is read to its end, where a failed commit surfaces)
    const one = (stmt as { oneRow?: true }).oneRow === true && readsOnly(sql);
    let prepared: Prepared | undefined;
    try {
      prepared = this.#statements.take(sql, one);
      const args = typeof stmt === "string" ? [] : bindArgs(stmt.args, prepared.order);
      const s = prepared.stmt;
      const result = !s.reader
        ? { rows: [], rowsAffected: s.run(args) }
        : one
        ? { rows: rowOf(s.get(args)), rowsAffected: 0 }
        : { rows: s.all(args), rowsAffected: 0 };
      this.#statements.keep(sql, one, prepared);
      return result;
    } catch (e) {
      // a statement that failed is not kept (StatementCache.take), and is freed now
      try {
        prepared?.stmt.finalize?.();
      } catch {
        // it failed already; its own error is the one to report
      }
      throw asDriverError(e);
    }
  }
}

/** The rows of a one-row read: its row, or none. */
function rowOf(row: Row | undefined | null): Row[] {
  return row === undefined || row === null ? [] : [row];
}
