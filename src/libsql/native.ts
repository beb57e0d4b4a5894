/**
 * A `file:` database through the `libsql` package (the native driver under
 * `@libsql/client`), keeping each statement prepared.
 *
 * Why: `@libsql/client` prepares every statement on every call and builds
 * each row with a property definition per value. Profiled on a worker at
 * concurrency 1, preparing alone took 30 % of the CPU (about 70 µs for the
 * reservation statement, 59 µs for the terminate), and a worker with the
 * statements kept prepared ran 2.2× as many tasks per second (BENCHMARKS.md).
 * The store sends a small, fixed set of statement texts, so a bounded cache
 * holds them all.
 *
 * The package is loaded with a dynamic import of a computed name, so that a
 * bundle for an edge runtime (which has no `file:` databases) never contains
 * it; where it cannot be loaded, the store keeps the `@libsql/client` client
 * it opened (`LocalDriver`).
 *
 * @module
 */

import type { InArgs, InValue } from "@libsql/client";
import type { Driver, Result, Row, Statement } from "./driver.ts";

/** The part of `libsql`'s Database used here. */
interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  close(): void;
  readonly inTransaction: boolean;
}
interface NativeStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean;
  all(args: unknown): Row[];
  /** The first row, or undefined; the statement is reset after it (a write with RETURNING has made all its changes by then). */
  get(args: unknown): Row | undefined;
  run(args: unknown): { changes: number };
}
/** Opens a database on a path, with a busy timeout in ms. */
type Open = (path: string, options: { timeout: number }) => NativeDatabase;

/** Statements kept prepared per connection (the store sends a few dozen texts). */
const CACHE_SIZE = 200;

/**
 * The cache key of a statement: its text, and whether it is read with `get()`.
 * A statement is only ever read one way. `libsql` 0.5.29 leaves a statement
 * that `all()` read to its end un-reset, and `get()` binds without a reset
 * first: the bind fails unseen and `get()` runs the statement again with the
 * arguments of the `all()` before it. A lone terminate after a batch of them
 * then re-ran the batch's tuples and missed its own task; an INSERT re-inserted
 * the earlier rows. (`get()` after `get()` and `all()` after either are
 * sound: `get()` resets after itself, `all()` before itself.)
 */
const keyOf = (sql: string, oneRow: boolean): string => oneRow ? "1" + sql : sql;

let loading: Promise<Open | null> | undefined;

/** The native driver's opener, or null where the package cannot be loaded (once per process). */
export function loadNative(): Promise<Open | null> {
  return loading ??= (async () => {
    // Node, Bun and Deno with a node_modules directory resolve the bare name; Deno from JSR the npm: one.
    for (const name of ["libsql", "npm:libsql@^0.5.29"]) {
      try {
        const mod = await import(/* @vite-ignore */ name);
        const Database = (mod.default ?? mod) as new (path: string, options: object) => NativeDatabase;
        if (typeof Database === "function") return (path, options) => new Database(path, options);
      } catch {
        // not here: try the next name, else keep @libsql/client
      }
    }
    return null;
  })();
}

/** The path a `file:` URL names (the forms `@libsql/client` accepts: `file:rel`, `file:/abs`, `file:///abs`, `file://localhost/abs`, `:memory:`). */
export function filePath(url: string): string {
  if (url === ":memory:") return url;
  let rest = url.slice("file:".length);
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith("//")) rest = rest.slice(rest.indexOf("/", 2));
  return decodeURIComponent(rest);
}

/** An error of the native driver as `@libsql/client` reports it: `code` is SQLite's base code. */
export class NativeDriverError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extendedCode?: string,
    readonly rawCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options); // worded as @libsql/client words its errors
    this.name = "NativeDriverError";
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

function mapError(e: unknown): unknown {
  const { code, rawCode, message } = (e ?? {}) as { code?: unknown; rawCode?: unknown; message?: unknown };
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return e;
  const base = typeof rawCode === "number" ? BASE_CODES[rawCode & 0xff] ?? `SQLITE_UNKNOWN_${rawCode & 0xff}` : code;
  return new NativeDriverError(String(message), base, code, rawCode as number | undefined, { cause: e });
}

function toSql(v: InValue): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.valueOf();
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return v;
}

function argsOf(args: InArgs | undefined): unknown {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) named[/^[@$:]/.test(k) ? k.slice(1) : k] = toSql(v);
  return named;
}

/**
 * How the native driver yields the event loop turn its finalizers need.
 * Node-API finalizers run from Node's check phase, the phase `setImmediate`
 * runs in, which every runtime that loads a Node-API package has (Node, Bun,
 * Deno). `setTimeout(0)` reaches it too but waits out a 1 ms floor first:
 * every 450 rows that idled a busy worker about 7 % of its time. This file
 * is the Node-API driver, loaded only where the `libsql` package loads, so
 * the one runtime global beyond web standards stays here (with a fallback).
 */
const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
/**
 * Measured (`bench.mjs --one rss`, 100,000 tasks, c=32): RSS grew +53–55 MB
 * yielding every 50, 100 or 200 rows this way, as with `setTimeout` every
 * 450; a worker at c=32 ran ~29k tasks/s with `setTimeout` every 450 and
 * ~33.5k with this every 100.
 */
const NATIVE_TURNS = immediate
  ? { every: 100, yield: () => new Promise<void>((r) => void immediate(r)) }
  : { every: 450, yield: () => new Promise<void>((r) => setTimeout(r, 0)) };

/** How long after a BEGIN had to wait the next ones wait in short pauses of their own (`#beginWrite`). */
const CONTENDED_MS = 1000;
/** What `Atomics.wait` waits on (nothing ever notifies it: each wait runs its full pause). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** One connection to a `file:` database, its statements kept prepared (least recently used dropped). */
export class NativeDriver implements Driver {
  readonly protocol = "file";
  readonly turns: { every: number; yield(): Promise<void> } = NATIVE_TURNS;
  #db: NativeDatabase;
  #closed = false;
  readonly #prepared = new Map<string, NativeStatement>();

  readonly #busyTimeoutMs: number;
  /** The statements of a contended BEGIN (see `#beginWrite`). */
  #own: { begin: NativeStatement; noWait: NativeStatement; wait: NativeStatement } | undefined;
  /** Until when (performance.now()) a BEGIN takes the lock in short pauses of its own. */
  #contendedUntil = 0;

  constructor(open: Open, path: string, busyTimeoutMs: number) {
    this.#busyTimeoutMs = busyTimeoutMs;
    try {
      this.#db = open(path, { timeout: busyTimeoutMs });
    } catch (e) {
      throw mapError(e);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  execute(stmt: Statement): Promise<Result> {
    try {
      return Promise.resolve(this.#run(stmt));
    } catch (e) {
      return Promise.reject(e);
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
   * median 0.88× with SQLite's wait alone, 0.96× with this (a worker at
   * concurrency 1, alone: ~6.5k tasks/s, as before).
   */
  #beginWrite(): void {
    if (this.#closed) throw new NativeDriverError("The client is closed", "CLIENT_CLOSED");
    // Its own statements, each run again (run() resets it first): a BEGIN refused as busy stays active until
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
        throw mapError(e);
      } finally {
        if (performance.now() - began > 0.5) this.#contendedUntil = performance.now() + CONTENDED_MS;
      }
      return;
    }
    own.noWait.run([]);
    try {
      const deadline = began + this.#busyTimeoutMs;
      for (let pause = 0.05;; pause = Math.min(pause * 2, 1)) {
        try {
          own.begin.run([]);
          return;
        } catch (raw) {
          const e = mapError(raw) as { code?: string };
          if (e.code !== "SQLITE_BUSY" || performance.now() >= deadline) throw e;
          this.#contendedUntil = performance.now() + CONTENDED_MS;
          Atomics.wait(PAUSE, 0, 0, pause); // a synchronous pause, as SQLite's own busy wait is
        }
      }
    } finally {
      own.wait.run([]);
    }
  }

  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
    try {
      if (mode === "write") this.#beginWrite();
      else this.#run("BEGIN TRANSACTION READONLY");
      const results: Result[] = [];
      try {
        for (const stmt of stmts) results.push(this.#run(stmt));
        this.#run("COMMIT");
      } finally {
        // a failed statement (or COMMIT) leaves the transaction open: end it before the next caller
        if (this.#db.inTransaction) this.#run("ROLLBACK");
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
    this.#db.close();
  }

  #run(stmt: Statement): Result {
    if (this.#closed) throw new NativeDriverError("The client is closed", "CLIENT_CLOSED");
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    const args = typeof stmt === "string" ? [] : argsOf(stmt.args);
    const one = (stmt as { oneRow?: true }).oneRow === true;
    const key = keyOf(sql, one);
    let prepared = this.#prepared.get(key);
    try {
      if (prepared) this.#prepared.delete(key); // re-inserted below: most recently used last
      else prepared = this.#db.prepare(sql);
      const result = !prepared.reader
        ? { rows: [], rowsAffected: prepared.run(args).changes }
        : one && readsOnly(sql)
        ? { rows: rowOf(prepared.get(args)), rowsAffected: 0 }
        : { rows: prepared.all(args), rowsAffected: 0 };
      this.#prepared.set(key, prepared);
      if (this.#prepared.size > CACHE_SIZE) this.#prepared.delete(this.#prepared.keys().next().value!);
      return result;
    } catch (e) {
      // A statement that failed is not kept: it may not have been reset, and would hold its lock.
      throw mapError(e);
    }
  }
}

/**
 * Whether a statement only reads, so that `get()` may answer it. A write
 * (`INSERT`/`UPDATE … RETURNING`) is always read with `all()`: `get()` steps
 * once and then resets the statement, and an auto-commit that fails at that
 * reset (disk full, I/O error) is not reported: the row came back though
 * nothing was stored (300 creates on a full disk all resolved, none stored).
 * `all()` steps to the end, where the commit's error surfaces.
 */
function readsOnly(sql: string): boolean {
  return /^\s*(SELECT|VALUES)\b/i.test(sql) ||
    (/^\s*WITH\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql)) ||
    /^\s*PRAGMA\s+\w+\s*$/i.test(sql);
}

/** The rows of a one-row read: its row (without the timing `get()` adds to it), or none. */
function rowOf(row: (Row & { _metadata?: unknown }) | undefined): Row[] {
  if (row === undefined) return [];
  delete row._metadata;
  return [row];
}

/**
 * The store's own driver for a `file:` URL: the `@libsql/client` client
 * opened (synchronously, so that a bad URL fails at once), replaced by a
 * `NativeDriver` on the same path at first use where the package loads.
 */
export class LocalDriver implements Driver {
  readonly protocol = "file";
  #driver: Driver;
  #upgrade: Promise<void> | null;

  constructor(client: Driver, path: string, busyTimeoutMs: number) {
    this.#driver = client;
    this.#upgrade = loadNative().then((open) => {
      this.#upgrade = null;
      if (!open || client.closed) return;
      try {
        this.#driver = new NativeDriver(open, path, busyTimeoutMs);
        client.close();
      } catch {
        // keep the client, which opened this path already
      }
    });
  }

  /** `"native"` once the statements go through the `libsql` package, else `"client"`. */
  get kind(): "native" | "client" {
    return this.#driver instanceof NativeDriver ? "native" : "client";
  }

  get closed(): boolean {
    return this.#driver.closed;
  }

  get turns(): Driver["turns"] {
    return this.#driver.turns;
  }

  execute(stmt: Statement): Promise<Result> {
    if (this.#upgrade) return this.#upgrade.then(() => this.#driver.execute(stmt));
    return this.#driver.execute(stmt);
  }

  batch(stmts: Statement[], mode: "read" | "write"): Promise<Result[]> {
    if (this.#upgrade) return this.#upgrade.then(() => this.#driver.batch(stmts, mode));
    return this.#driver.batch(stmts, mode);
  }

  close(): void {
    this.#driver.close();
  }
}
