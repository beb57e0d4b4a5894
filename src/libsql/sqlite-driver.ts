/**
 * The store's driver for an embedded SQLite database (`file:`, `:memory:`),
 * over any synchronous SQLite library: `better-sqlite3`, `node:sqlite`,
 * `bun:sqlite` or `libsql` (each adapted in `src/drivers/`). What the store
 * relies on lives here once, whichever library runs underneath:
 *
 * - each statement is prepared once and kept (least recently used dropped):
 *   `@libsql/client` prepared every statement on every call, 30 % of a
 *   worker's CPU at concurrency 1;
 * - a write is read to its end, where a failed commit surfaces (see
 *   `readsOnly`);
 * - the short-pause BEGIN of a contended write lock (see `#beginWrite`);
 * - SQLite's errors with their base code (`SQLITE_BUSY`, `SQLITE_FULL`);
 * - a database file deleted or replaced under the open connection is
 *   noticed (see `FileIdentity`).
 *
 * @module
 */

import type { InArgs, InValue } from "@libsql/client";
import type { Driver, Result, Row, Statement } from "./driver.ts";

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
   * a lone write refused as busy stayed active, holding its transaction open,
   * and every later write on the connection ran inside it, was acknowledged,
   * and was rolled back when the stale statement was finally collected
   * (shown: 2 of 4 acknowledged creates gone). The driver then runs every
   * lone write in a transaction of its own, so that only a BEGIN can meet a
   * busy database and a failed write is ended by a ROLLBACK.
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

/** Statements kept prepared per connection (the store sends a few dozen texts). */
const CACHE_SIZE = 200;

/** How often (ms) the file's identity is checked against the one opened. */
const IDENTITY_EVERY_MS = 1_000;

/**
 * The cache key of a statement: its text, and whether it is read with `get()`.
 * A statement is only ever read one way. `libsql` 0.5.29 leaves a statement
 * that `all()` read to its end un-reset, and `get()` binds without a reset
 * first: the bind fails unseen and `get()` runs the statement again with the
 * arguments of the `all()` before it.
 */
const keyOf = (sql: string, oneRow: boolean): string => oneRow ? "1" + sql : sql;

/** An error of a SQLite driver: `code` is SQLite's base code (`SQLITE_BUSY`), `extendedCode` the full one. */
export class SqliteDriverError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extendedCode?: string,
    readonly rawCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options); // worded as @libsql/client words its errors
    this.name = "SqliteDriverError";
  }
}

/** SQLite's primary result codes by number (an extended code's low byte). */
const BASE_CODES = [
  "SQLITE_OK",
  "SQLITE_ERROR",
  "SQLITE_INTERNAL",
  "SQLITE_PERM",
  "SQLITE_ABORT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_INTERRUPT",
  "SQLITE_IOERR",
  "SQLITE_CORRUPT",
  "SQLITE_NOTFOUND",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
  "SQLITE_EMPTY",
  "SQLITE_SCHEMA",
  "SQLITE_TOOBIG",
  "SQLITE_CONSTRAINT",
  "SQLITE_MISMATCH",
  "SQLITE_MISUSE",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_FORMAT",
  "SQLITE_RANGE",
  "SQLITE_NOTADB",
  "SQLITE_NOTICE",
  "SQLITE_WARNING",
];

/**
 * A library's error with SQLite's base code. Each words its code its own way:
 * `libsql` (`rawCode`, the extended number), `node:sqlite` (`errcode`),
 * `bun:sqlite` (`errno` and `code`), `better-sqlite3` (`code`, the extended
 * name). Anything else (a TypeError of a bad argument) is passed on.
 */
export function toDriverError(e: unknown): unknown {
  if (e instanceof SqliteDriverError) return e;
  const err = (e ?? {}) as { code?: unknown; rawCode?: unknown; errcode?: unknown; errno?: unknown; message?: unknown };
  const named = typeof err.code === "string" && err.code.startsWith("SQLITE_") ? err.code : undefined;
  const number = [err.rawCode, err.errcode, named || err.code === "ERR_SQLITE_ERROR" ? err.errno : undefined]
    .find((n): n is number => typeof n === "number" && n > 0);
  if (!named && number === undefined) return e;
  const base = number !== undefined
    ? BASE_CODES[number & 0xff] ?? `SQLITE_UNKNOWN_${number & 0xff}`
    : /^SQLITE_[A-Z]+/.exec(named!)![0];
  const extended = named ?? (number !== undefined ? EXTENDED_CODES[number] : undefined) ?? base;
  return new SqliteDriverError(String(err.message), base, extended, number, { cause: e });
}

/** Names of the extended codes the store looks at or names (a library that gives only the number: node:sqlite). */
const EXTENDED_CODES: Record<number, string> = {
  275: "SQLITE_CONSTRAINT_CHECK",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  1811: "SQLITE_CONSTRAINT_TRIGGER",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
  1032: "SQLITE_READONLY_DBMOVED",
};

/** Any error of a library as a `SqliteDriverError` (one that is not SQLite's, a TypeError of a bad argument: misuse). */
function asDriverError(e: unknown): SqliteDriverError {
  const mapped = toDriverError(e);
  if (mapped instanceof SqliteDriverError) return mapped;
  return new SqliteDriverError(String((e as Error)?.message ?? e), "SQLITE_MISUSE", "SQLITE_MISUSE", 21, { cause: e });
}

/**
 * Whether a statement only reads, so that `get()` may answer it. A write
 * (`INSERT`/`UPDATE … RETURNING`) is always read with `all()`: `get()` steps
 * once and then resets the statement, and an auto-commit that fails at that
 * reset (disk full, I/O error) is not reported by `libsql`, `better-sqlite3`
 * or `node:sqlite` (Node and Deno): the row came back though nothing was
 * stored (measured on a full tmpfs: 20 of 20 inserts "returned" by each of
 * them, 0 stored; `bun:sqlite` alone reported `SQLITE_FULL`). `all()` steps
 * to the end, where the commit's error surfaces, in all five.
 */
export function readsOnly(sql: string): boolean {
  return /^\s*(SELECT|VALUES)\b/i.test(sql) ||
    (/^\s*WITH\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql)) ||
    /^\s*PRAGMA\s+\w+\s*$/i.test(sql);
}

/** Whether a statement changes rows (not a read, not a PRAGMA, not a transaction's own BEGIN/COMMIT/ROLLBACK). */
function isWrite(sql: string): boolean {
  return /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql) ||
    (/^\s*WITH\b/i.test(sql) && /\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql));
}

/** Whether a statement returns rows, by its text (for a library that cannot say): a read, or a write with RETURNING. */
export function readsRows(sql: string): boolean {
  return readsOnly(sql) || /\bRETURNING\b/i.test(sql) || /^\s*PRAGMA\s+\w+\s*=/i.test(sql);
}

/**
 * A statement's `?NNN` parameters as plain `?`, and which argument each one
 * takes (skipping string literals, quoted names and comments). A text that
 * mixes `?` and `?NNN` is refused: which argument a plain `?` takes then
 * depends on the numbers before it.
 */
export function positional(sql: string): { sql: string; order: number[] | null } {
  const order: number[] = [];
  let out = "";
  let plain = false;
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    const end = c === "'" || c === '"' || c === "`"
      ? sql.indexOf(c, i + 1) + 1
      : c === "["
      ? sql.indexOf("]", i + 1) + 1
      : c === "-" && sql[i + 1] === "-"
      ? (sql.indexOf("\n", i) + 1 || sql.length)
      : c === "/" && sql[i + 1] === "*"
      ? sql.indexOf("*/", i + 2) + 2
      : -1;
    if (end > 0) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (end === 0 || end === 1) throw new TypeError(`unterminated quote or comment in: ${sql.slice(0, 80)}`);
    if (c === "?") {
      const m = /^\d+/.exec(sql.slice(i + 1));
      if (m) order.push(Number(m[0]) - 1);
      else plain = true;
      out += "?";
      i += 1 + (m ? m[0].length : 0);
      continue;
    }
    out += c;
    i++;
  }
  if (plain && order.length) throw new TypeError(`a statement mixes ? and ?NNN parameters: ${sql.slice(0, 80)}`);
  return order.length ? { sql: out, order } : { sql, order: null };
}

function toSql(v: InValue): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.valueOf();
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return v;
}

/** The store's arguments as a library takes them: positional, in `order` when it was rewritten. */
function argsOf(args: InArgs | undefined, order: number[] | null): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) {
    throw new TypeError("the store's SQLite driver takes positional arguments only (?1, ?2, …)");
  }
  // a parameter with no argument is NULL, as SQLite binds it
  if (order) return order.map((i) => (i < args.length ? toSql(args[i]) : null));
  return args.map(toSql);
}

/** A prepared statement and how to bind its arguments. */
interface Prepared {
  stmt: SqliteStatement;
  order: number[] | null;
}

/** How long after a BEGIN had to wait the next ones wait in short pauses of their own (`#beginWrite`). */
const CONTENDED_MS = 1000;
/** What `Atomics.wait` waits on (nothing ever notifies it: each wait runs its full pause). */
const PAUSE = typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4)) : null;

/**
 * Which SQLite library holds each database file open in this process (by the
 * file's identity), and how many connections. Two copies of SQLite in one
 * process do not see each other's locks (sqlite.org/howtocorrupt.html,
 * 2.2.1): closing one drops the other's locks too, and another process then
 * took the WAL for unused, checkpointed it and deleted it under the open
 * connection (5 acknowledged creates lost). So a second library on a file
 * already open is refused.
 */
const openFiles = new Map<string, { lib: SqliteDriverName; connections: number }>();

/** Thrown when a file is already open in this process through another SQLite library. */
export class OtherLibraryOpen extends Error {
  constructor(readonly path: string, readonly holder: SqliteDriverName, readonly wanted: SqliteDriverName) {
    super(
      `the database file ${path} is already open in this process through ${holder}; opening it through ${wanted} too ` +
        "would put two copies of SQLite on one file, which do not see each other's locks",
    );
    this.name = "OtherLibraryOpen";
  }
}

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
  readonly #prepared = new Map<string, Prepared>();
  readonly #busyTimeoutMs: number;
  /** The statements of a contended BEGIN (see `#beginWrite`). */
  #own: { begin: SqliteStatement; noWait: SqliteStatement; wait: SqliteStatement } | undefined;
  /** Until when (performance.now()) a BEGIN takes the lock in short pauses of its own. */
  #contendedUntil = 0;

  constructor(lib: SqliteLibrary, path: string, busyTimeoutMs: number, identity: FileIdentity | null = null) {
    this.#lib = lib;
    this.name = lib.name;
    this.turns = lib.turns;
    const memory = path === ":memory:" || path === "";
    this.#path = memory || !identity ? path : identity.absolute(path);
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#identity = memory ? null : identity;
    const before = this.#identity?.of(this.#path) ?? null;
    const holder = before === null ? undefined : openFiles.get(before);
    if (holder && holder.lib !== lib.name) throw new OtherLibraryOpen(this.#path, holder.lib, lib.name);
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
      const entry = openFiles.get(this.#opened);
      if (entry && entry.lib !== lib.name) {
        this.#db.close();
        throw new OtherLibraryOpen(this.#path, entry.lib, lib.name);
      }
      openFiles.set(this.#opened, { lib: lib.name, connections: (entry?.connections ?? 0) + 1 });
    }
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
      if (mode === "write") this.#beginWrite();
      else this.#run("BEGIN");
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
    this.#prepared.clear();
    this.#own = undefined;
    this.#db.close();
    const entry = this.#opened === null ? undefined : openFiles.get(this.#opened);
    if (entry && --entry.connections === 0) openFiles.delete(this.#opened!);
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

  /**
   * BEGIN IMMEDIATE. SQLite's own busy wait sleeps 1 ms, then 2, 5, 10…
   * while another process's write transaction (a worker's tick) holds the
   * lock well under a millisecond: two worker processes on one file lost a
   * tenth of one process's rate to those sleeps. So once a BEGIN has had to
   * wait, for the next second each BEGIN runs with a busy timeout of 0 and
   * is tried again after pauses of 0.05 ms doubling to 1 ms, up to the busy
   * timeout (inside the transaction SQLite's own wait still covers its brief
   * internal locks). Uncontended, a BEGIN is one statement: setting the
   * timeout around every one cost a worker at concurrency 1 about 15 %.
   * 6 alternating pairs of the bench's 1- and 2-process rows, ratio 2 ÷ 1:
   * median 0.88× with SQLite's wait alone, 0.96× with this.
   */
  #beginWrite(): void {
    // Its own statements, each run again (a run resets it first): a BEGIN refused as busy stays active until
    // reset, and an active statement keeps the connection from committing ("SQL statements in progress").
    const own = this.#own ??= {
      begin: this.#db.prepare("BEGIN IMMEDIATE"),
      noWait: this.#db.prepare("PRAGMA busy_timeout = 0"),
      wait: this.#db.prepare(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`),
    };
    const began = performance.now();
    if (began >= this.#contendedUntil) {
      try {
        own.begin.run([]);
      } catch (e) {
        throw asDriverError(e);
      } finally {
        if (performance.now() - began > 0.5) this.#contendedUntil = performance.now() + CONTENDED_MS;
      }
      return;
    }
    runEither(own.noWait);
    let failure: unknown;
    try {
      this.#beginInPauses(own.begin, began);
    } catch (e) {
      failure = e;
    }
    try {
      runEither(own.wait);
    } catch (e) {
      // the busy timeout could not be set back: the connection would wait 0 ms from now on; end what began, and say so
      if (failure === undefined) this.#rollback();
      throw asDriverError(e);
    }
    if (failure !== undefined) throw failure;
  }

  /** BEGIN IMMEDIATE tried again after pauses of 0.05 ms doubling to 1 ms while it is busy, up to the busy timeout. */
  #beginInPauses(begin: SqliteStatement, began: number): void {
    const deadline = began + this.#busyTimeoutMs;
    for (let pause = 0.05;; pause = Math.min(pause * 2, 1)) {
      try {
        begin.run([]);
        return;
      } catch (raw) {
        const e = asDriverError(raw);
        if (e.code !== "SQLITE_BUSY" || performance.now() >= deadline) throw e;
        this.#contendedUntil = performance.now() + CONTENDED_MS;
        if (PAUSE) Atomics.wait(PAUSE, 0, 0, pause); // a synchronous pause, as SQLite's own busy wait is
      }
    }
  }

  #run(stmt: Statement): Result {
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    const one = (stmt as { oneRow?: true }).oneRow === true;
    const key = keyOf(sql, one);
    let prepared = this.#prepared.get(key);
    try {
      if (prepared) this.#prepared.delete(key); // re-inserted below: most recently used last
      else prepared = this.#prepare(sql);
      const args = typeof stmt === "string" ? [] : argsOf(stmt.args, prepared.order);
      const s = prepared.stmt;
      const result = !s.reader
        ? { rows: [], rowsAffected: s.run(args) }
        : one && readsOnly(sql)
        ? { rows: rowOf(s.get(args)), rowsAffected: 0 }
        : { rows: s.all(args), rowsAffected: 0 };
      this.#prepared.set(key, prepared);
      if (this.#prepared.size > CACHE_SIZE) this.#prepared.delete(this.#prepared.keys().next().value!);
      return result;
    } catch (e) {
      // A statement that failed is not kept: it may not have been reset, and would hold its lock.
      throw asDriverError(e);
    }
  }

  #prepare(sql: string): Prepared {
    if (this.#lib.numberedParams) return { stmt: this.#db.prepare(sql), order: null };
    const p = positional(sql);
    return { stmt: this.#db.prepare(p.sql), order: p.order };
  }
}

/** Runs a statement without arguments whether or not it answers rows (a PRAGMA that sets a value may). */
function runEither(stmt: SqliteStatement): void {
  if (stmt.reader) stmt.all([]);
  else stmt.run([]);
}

/** The rows of a one-row read: its row, or none. */
function rowOf(row: Row | undefined | null): Row[] {
  return row === undefined || row === null ? [] : [row];
}
