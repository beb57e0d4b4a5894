/**
 * The driver boundary: what the store needs of a SQLite driver, and nothing
 * more. A `@libsql/client` Client is one (remote databases, injected
 * clients); `SqliteDriver` (sqlite-driver.ts) is another: an embedded
 * database through a synchronous SQLite library (`better-sqlite3`,
 * `node:sqlite`, `bun:sqlite`, `libsql`; one adapter file each in
 * `src/drivers/`), opened at first use by `FileDriver` (file-driver.ts).
 * What a driver can do is in its flags, read by the store once: `protocol`
 * (`"file"`: answers without I/O, one connection per process and file,
 * `PRAGMA data_version` tells of other connections' commits) and `turns`.
 *
 * Limits every statement the store sends keeps, so that a driver with them
 * (Cloudflare D1) fits without the store changing: at most 100 bound
 * parameters, and at most 32 arguments to any SQL function
 * (test/statements.limits.test.ts checks every statement sent).
 *
 * @module
 */

import type { InArgs, InStatement } from "@libsql/client";

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

/**
 * A statement that returns at most one row (a task by id, a single insert,
 * a one-row read): a driver may read just that row, skipping its row
 * iterator. Other drivers see a plain statement.
 */
export interface OneRowStatement {
  sql: string;
  args: InArgs;
  oneRow: true;
}

/** What the store sends a driver. */
export type Statement = InStatement | OneRowStatement;

/** `sql` with `args`, returning at most one row. */
export function oneRow(sql: string, args: InArgs = []): OneRowStatement {
  return { sql, args, oneRow: true };
}

/** A SQLite driver as the store uses it. Errors carry SQLite's base `code` (e.g. `SQLITE_BUSY`). */
export interface Driver {
  /** `"file"` for an embedded database (answers without I/O; one connection per process and file). */
  readonly protocol: string;
  /** The library underneath (`better-sqlite3`, `node:sqlite`, `bun:sqlite`, `libsql`); absent: `@libsql/client`. */
  readonly name?: string;
  /** Set once open when its SQLite carries a known defect worth a `warning` event (see src/drivers/select.ts). */
  readonly warning?: string;
  /** What `storeInfo()` reports as the SQLite version, for a database that does not answer `sqlite_version()` (D1). */
  readonly sqliteVersion?: string;
  readonly closed: boolean;
  execute(stmt: Statement): Promise<Result>;
  /** All in one transaction: `"write"` takes the write lock at once, `"read"` is read-only. */
  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]>;
  close(): void;
  /**
   * A driver whose calls resolve without I/O and that frees native memory
   * only from a later turn of the event loop says how to yield that turn, and
   * every how many rows moved (see event-loop-turns.ts). Absent: a
   * macrotask (`setTimeout`) every 450 rows.
   */
  readonly turns?: { every: number; yield(): Promise<void> };
}

/**
 * A database a store runs on that is neither a URL nor a `@libsql/client`
 * Client: what `createTaskQ({ driver })` takes besides a library's name
 * (Cloudflare D1, a Durable Object's SQLite storage). Made by sokka's
 * factories for each host, and opaque: pass it on as it is. `close()` of the
 * store leaves the database as it was given.
 */
export interface StoreDriver {
  /** Marks a driver object made for `createTaskQ({ driver })`. */
  readonly sokkaDriver: true;
}

/** Whether `d` is a driver object for `createTaskQ({ driver })` (it is a `Driver` underneath). */
export function isStoreDriver(d: unknown): d is StoreDriver & Driver {
  const o = d as Partial<StoreDriver & Driver> | null;
  return typeof o === "object" && o !== null && o.sokkaDriver === true && typeof o.execute === "function" &&
    typeof o.batch === "function";
}

/**
 * `inner` with its `execute` and `batch` replaced by `calls` (which call it in turn): every other member
 * (`protocol`, `name`, `warning`, `sqliteVersion`, `closed`, `turns`, `close`) is `inner`'s, read live.
 */
export function wrapDriver(inner: Driver, calls: Pick<Driver, "execute" | "batch">): Driver {
  return {
    get protocol() {
      return inner.protocol;
    },
    get name() {
      return inner.name;
    },
    get warning() {
      return inner.warning;
    },
    get sqliteVersion() {
      return inner.sqliteVersion;
    },
    get closed() {
      return inner.closed;
    },
    get turns() {
      return inner.turns;
    },
    execute: calls.execute,
    batch: calls.batch,
    close: () => inner.close(),
  };
}
