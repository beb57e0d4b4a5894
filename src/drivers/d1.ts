/**
 * Cloudflare D1 as the store's database: `createTaskQ({ driver: d1(env.DB) })`.
 *
 * D1 has no `BEGIN`: a statement is atomic on its own and `db.batch()` runs
 * its statements in one transaction, so every transition of the store (one
 * statement or one batch) stays atomic. Calls go through the binding itself,
 * never a read-replica session: without the Sessions API every query goes to
 * the primary database, so a reservation always sees the latest write.
 *
 * D1 has no `PRAGMA data_version` a store could watch: its protocol is
 * `"d1"` (not `"file"`), so workers poll as on a remote libSQL server, and
 * each call is bounded by the store's `requestTimeoutMs`.
 *
 * @module
 */

import type { InArgs, InValue } from "@libsql/client";
import type { Driver, Result, Row, Statement, StoreDriver, Value } from "./driver.ts";
import { TaskError } from "../errors.ts";

/** What the driver needs of a D1 prepared statement (the binding's `D1PreparedStatement`). */
export interface D1PreparedStatementLike {
  /** The statement with its parameters bound (`?1`, `?2`, …). */
  bind(...values: unknown[]): D1PreparedStatementLike;
  /** Runs it: its rows by column name, and what it changed. */
  all(): Promise<D1ResultLike>;
}

/** What the driver reads of a D1 result. */
export interface D1ResultLike {
  /** The rows returned, by column name. */
  results?: Record<string, unknown>[];
  /** `changes`: the rows a write changed. */
  meta?: { changes?: number };
}

/** What the driver needs of a D1 database binding (`env.DB`, a `D1Database`). */
export interface D1DatabaseLike {
  /** A statement of `sql`. */
  prepare(sql: string): D1PreparedStatementLike;
  /** The statements in one transaction: all applied, or none. */
  batch(statements: D1PreparedStatementLike[]): Promise<D1ResultLike[]>;
}

/**
 * A D1 error with SQLite's base result code (`SQLITE_CONSTRAINT`,
 * `SQLITE_BUSY`, …) read from its message, as the store classifies errors;
 * D1's own error stays as the `cause`.
 */
export class D1DriverError extends Error {
  /** SQLite's base code, or `SERVER_ERROR` for D1's own transient trouble (a reset, a lost connection). */
  readonly code: string;
  /** The extended code when the message names one (`SQLITE_CONSTRAINT_UNIQUE`). */
  readonly extendedCode: string;

  /** An error of `message` with SQLite's `code` (and extended code), D1's own error as `cause`. */
  constructor(message: string, code: string, extendedCode: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "D1DriverError";
    this.code = code;
    this.extendedCode = extendedCode;
  }
}

/**
 * D1's transient trouble, by its message: the query may or may not have run
 * (a lost connection, a reset object), so the store treats it as a network
 * error: a read is tried again, a write is reported as not known to have
 * committed.
 */
const TRANSIENT =
  /network connection lost|reset because|transient issue|internal error|storage operation exceeded|object to be reset/i;
/** D1 refused to queue the query: it did not run, so trying again is safe (as for a busy database). */
const OVERLOADED = /overloaded|too many requests/i;

/** The error the store understands, for any error a D1 call rejects with. */
export function toD1DriverError(e: unknown): D1DriverError {
  if (e instanceof D1DriverError) return e;
  const message = String((e as { message?: unknown })?.message ?? e);
  // D1's text ends with the codes: "UNIQUE constraint failed: t.v: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)"
  const named = /\b(SQLITE_[A-Z]+)(?:_[A-Z_]+)?\b/.exec(message);
  let code: string;
  let extended: string;
  if (named) {
    code = named[1];
    extended = /\(extended: (SQLITE_[A-Z_]+)\)/.exec(message)?.[1] ?? code;
  } else if (/constraint failed/i.test(message)) code = extended = "SQLITE_CONSTRAINT";
  else if (/database is locked|database is busy/i.test(message)) code = extended = "SQLITE_BUSY";
  else if (/database or disk is full/i.test(message)) code = extended = "SQLITE_FULL";
  else if (/too big|too large/i.test(message)) code = extended = "SQLITE_TOOBIG";
  else if (OVERLOADED.test(message)) code = extended = "SQLITE_BUSY";
  else if (TRANSIENT.test(message)) code = extended = "SERVER_ERROR";
  else code = extended = "SQLITE_ERROR";
  return new D1DriverError(message, code, extended, { cause: e });
}

/** A value as D1 binds it: numbers, strings, null and bytes (booleans as 0/1, dates as epoch ms). */
function toD1Value(v: InValue): unknown {
  if (v === null || typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new TypeError("D1 binds integers only up to 2^53 - 1");
    }
    return Number(v);
  }
  if (v instanceof Date) return v.valueOf();
  if (v instanceof ArrayBuffer) return v;
  if (v === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return v;
}

function argsOf(args: InArgs | undefined): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError("the D1 driver takes positional arguments only (?1, ?2, …)");
  return args.map(toD1Value);
}

/** The binding's statement for one of the store's. */
function prepare(db: D1DatabaseLike, stmt: Statement): D1PreparedStatementLike {
  if (typeof stmt === "string") return db.prepare(stmt);
  const args = argsOf(stmt.args);
  const p = db.prepare(stmt.sql);
  return args.length ? p.bind(...args) : p;
}

/** A D1 result as the store reads one: rows by column name, and the rows a write changed. */
function resultOf(r: D1ResultLike): Result {
  return { rows: (r.results ?? []) as Row[], rowsAffected: Number(r.meta?.changes ?? 0) };
}

/** Bytes as D1 returns them (an array of numbers) become an ArrayBuffer, as other drivers give them. */
function normalise(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const k in row) {
      const v = row[k] as unknown;
      if (Array.isArray(v)) row[k] = new Uint8Array(v as number[]).buffer as Value;
    }
  }
  return rows;
}

/**
 * A store driver over a Cloudflare D1 database binding, for
 * `createTaskQ({ driver })`. Each store call is one statement or one
 * `batch()` (one transaction); D1 errors carry SQLite's base code, so a
 * constraint, a busy or a full database mean to the store what they mean on
 * any other SQLite. The store creates its schema on first use, in one batch.
 * Closing the store leaves the binding as it was.
 *
 * D1's limits hold for every statement the store sends (at most 100 bound
 * parameters, 100 KB of SQL, 32 arguments per SQL function, and bulk creates
 * split so no argument passes 2 MB); `drain({ maxQueries })` keeps an
 * invocation under D1's queries per invocation.
 *
 * @example
 * ```ts
 * import { createTaskQ, d1, type D1DatabaseLike, drain, ok } from "sokka";
 *
 * interface Env {
 *   DB: D1DatabaseLike; // the D1Database binding of wrangler.toml's [[d1_databases]]
 * }
 * export default {
 *   async scheduled(_event: unknown, env: Env) {
 *     const taskq = createTaskQ({ driver: d1(env.DB) });
 *     await drain({ taskq, topic: "email", pfn: () => ok(), maxQueries: 45 });
 *   },
 * };
 * ```
 */
export function d1(db: D1DatabaseLike): StoreDriver {
  if (typeof db?.prepare !== "function" || typeof db?.batch !== "function") {
    const message = "must be a D1 database binding (env.DB), with prepare() and batch()";
    throw new TaskError("bad-request", "invalid-options", `d1: db ${message}`, { issues: [{ path: "db", message }] });
  }
  const driver: StoreDriver & Driver = {
    sokkaDriver: true,
    protocol: "d1",
    name: "d1",
    sqliteVersion: "unknown (D1 does not expose sqlite_version())",
    closed: false,
    async execute(stmt: Statement): Promise<Result> {
      try {
        const r = resultOf(await prepare(db, stmt).all());
        normalise(r.rows);
        return r;
      } catch (e) {
        throw toD1DriverError(e);
      }
    },
    async batch(stmts: Statement[]): Promise<Result[]> {
      if (!stmts.length) return [];
      try {
        const rs = (await db.batch(stmts.map((s) => prepare(db, s)))).map(resultOf);
        rs.forEach((r) => normalise(r.rows));
        return rs;
      } catch (e) {
        throw toD1DriverError(e);
      }
    },
    close() {
      // the binding belongs to the runtime: nothing to release
    },
  };
  return driver;
}
