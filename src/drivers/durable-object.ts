/**
 * `durableObjectSql(ctx.storage)`: a store inside a Cloudflare Durable
 * Object, on the object's own SQLite database (`ctx.storage.sql`). Its calls
 * are synchronous and local, so the store's statements cost no round trip; a
 * batch is one `transactionSync` (the object refuses `BEGIN` and
 * `SAVEPOINT` statements, and most `PRAGMA`s: the store sends none to a
 * driver whose `protocol` is not `"file"`). The host's objects are described
 * here structurally: nothing of `@cloudflare/workers-types` is imported.
 *
 * @module
 */

import type { InArgs, InValue } from "@libsql/client";
import type { Driver, Result, Row, Statement, StoreDriver, Value } from "./driver.ts";
import { readsRows } from "./sqlite-statement-kind.ts";
import { SqliteDriverError } from "../libsql/sqlite-errors.ts";
import { invalid } from "../schemas.ts";

/** A value a Durable Object's SQL takes as a binding or returns in a row. */
export type DurableObjectSqlValue = string | number | null | ArrayBuffer;

/** What `ctx.storage.sql.exec()` returns, as far as the store reads it. */
export interface DurableObjectSqlCursor {
  /** Every row of the statement (the last one of a text holding several), read by column name. */
  toArray(): Record<string, DurableObjectSqlValue>[];
}

/** `ctx.storage.sql` of a Durable Object with SQLite storage (`new_sqlite_classes` in its migration). */
export interface DurableObjectSql {
  /** Runs `query` with `bindings` for its `?` / `?NNN` parameters. */
  exec(query: string, ...bindings: DurableObjectSqlValue[]): DurableObjectSqlCursor;
}

/** `ctx.storage` of a Durable Object with SQLite storage, as far as the store uses it. */
export interface DurableObjectSqlStorage {
  /** The object's SQLite database. */
  readonly sql: DurableObjectSql;
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transactionSync<T>(fn: () => T): T;
}

/** The `protocol` of a Durable Object's store: neither a file (no PRAGMAs, no `data_version`) nor remote. */
export const DURABLE_OBJECT_PROTOCOL = "durable-object";

/**
 * A driver object for `createTaskQ({ driver })` on a Durable Object's own
 * SQLite database: `storage` is the object's `ctx.storage` (a class declared
 * with `new_sqlite_classes`). Make one store per object, in its constructor;
 * the store's `close()` leaves the storage as it was. Its answers come
 * without I/O; the object's output gate holds every response until what the
 * store wrote is durable, as Cloudflare does for every write of an object.
 *
 * @example
 * ```ts
 * import { createTaskQ, durableObjectSql } from "sokka";
 *
 * export class Tasks {
 *   readonly taskq;
 *   constructor(ctx: { storage: Parameters<typeof durableObjectSql>[0] }) {
 *     this.taskq = createTaskQ({ driver: durableObjectSql(ctx.storage) });
 *   }
 * }
 * ```
 */
export function durableObjectSql(storage: DurableObjectSqlStorage): StoreDriver {
  if (!isSqlStorage(storage)) {
    throw invalid("durableObjectSql", [{
      path: "storage",
      message: "must be a Durable Object's ctx.storage with SQLite storage (sql.exec and transactionSync)",
    }], "invalid-options");
  }
  return new DurableObjectDriver(storage);
}

/** Whether `s` looks like a Durable Object's `ctx.storage` with SQLite (a class of `new_sqlite_classes`). */
export function isSqlStorage(s: unknown): s is DurableObjectSqlStorage {
  const o = s as Partial<DurableObjectSqlStorage> | null;
  return typeof o === "object" && o !== null && typeof o.sql?.exec === "function" &&
    typeof o.transactionSync === "function";
}

class DurableObjectDriver implements StoreDriver, Driver {
  readonly sokkaDriver = true;
  readonly protocol = DURABLE_OBJECT_PROTOCOL;
  readonly name = "durable-object-sql";
  readonly #storage: DurableObjectSqlStorage;
  #closed = false;

  constructor(storage: DurableObjectSqlStorage) {
    this.#storage = storage;
  }

  get closed(): boolean {
    return this.#closed;
  }

  execute(stmt: Statement): Promise<Result> {
    try {
      this.#check();
      // a transaction of its own: a write's rows and its count of changes are of one commit
      return Promise.resolve(this.#storage.transactionSync(() => this.#run(stmt)));
    } catch (e) {
      return Promise.reject(asDriverError(e));
    }
  }

  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
    try {
      this.#check();
      // a read batch is one transaction as well: nothing of the object runs between its statements anyway
      void mode;
      return Promise.resolve(this.#storage.transactionSync(() => stmts.map((s) => this.#run(s))));
    } catch (e) {
      return Promise.reject(asDriverError(e));
    }
  }

  close(): void {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new SqliteDriverError("The client is closed", "CLIENT_CLOSED");
  }

  #run(stmt: Statement): Result {
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    const args = typeof stmt === "string" ? [] : bindings(stmt.args);
    const rows = this.#storage.sql.exec(sql, ...args).toArray() as Row[];
    if (readsRows(sql)) return { rows, rowsAffected: 0 };
    // rowsWritten counts index entries and trigger writes too; changes() is SQLite's own count of this statement
    const changed = this.#storage.sql.exec("SELECT changes() AS n").toArray()[0]?.n;
    return { rows, rowsAffected: Number(changed ?? 0) };
  }
}

/** The store's arguments as a Durable Object's SQL binds them: positional, in SQLite's types. */
function bindings(args: InArgs | undefined): DurableObjectSqlValue[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) {
    throw new TypeError("the Durable Object driver takes positional arguments only (?1, ?2, …)");
  }
  return args.map(toValue);
}

function toValue(v: InValue): DurableObjectSqlValue {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new TypeError(`integer ${v} is beyond what a Durable Object's SQL binds exactly (±2^53)`);
    }
    return Number(v);
  }
  if (v instanceof Date) return v.valueOf();
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
  if (v === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return v as Value as DurableObjectSqlValue;
}

/**
 * Words of the object's SQLite errors, for a message that carries no
 * `SQLITE_` code: the store reads only the base code (driver-errors.ts).
 */
const PHRASES: [RegExp, string][] = [
  [/constraint failed/i, "SQLITE_CONSTRAINT"],
  [/database or disk is full|exceeded .*(storage|size)|SQLITE_FULL/i, "SQLITE_FULL"],
  [/database is locked/i, "SQLITE_BUSY"],
  [/not authorized|access to .* is prohibited/i, "SQLITE_AUTH"],
  [/too many SQL variables|too many arguments/i, "SQLITE_ERROR"],
];

/**
 * An error of the object's SQL as a `SqliteDriverError` with SQLite's base
 * code: workerd words them "UNIQUE constraint failed: t.c: SQLITE_CONSTRAINT
 * (extended: SQLITE_CONSTRAINT_UNIQUE)".
 */
function asDriverError(e: unknown): unknown {
  if (e instanceof SqliteDriverError || e instanceof TypeError) return e;
  const raw = String((e as { message?: unknown })?.message ?? e);
  const named = /\bSQLITE_[A-Z_]+/.exec(raw)?.[0] ?? PHRASES.find(([re]) => re.test(raw))?.[1];
  if (named === undefined) return e;
  const base = /^SQLITE_[A-Z]+/.exec(named)![0];
  const extended = /\(extended: (SQLITE_[A-Z_]+)\)/.exec(raw)?.[1] ?? named;
  // the driver's message without its codes, as the store reads a constraint's ("UNIQUE constraint failed: t.c")
  const message = raw.replace(/^(Error: )+/, "").replace(/:?\s*SQLITE_[A-Z_]+(\s*\(extended: SQLITE_[A-Z_]+\))?/g, "")
    .trim();
  return new SqliteDriverError(message, base, extended, undefined, { cause: e });
}
