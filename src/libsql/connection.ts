/**
 * The store's connection to libSQL: it runs statements, turns driver errors
 * into `TaskError`s and retries what is safe to retry.
 *
 * - A busy or locked database is retried with short random pauses for up to
 *   `busyRetryMs`: the statement did not run, so repeating it is safe.
 * - A network error is retried only for reads: a write may have been applied
 *   before the connection broke.
 *
 * A `file:` database gets ONE connection per process and file (shared by all
 * stores opened on it, see `openFileClient`) with a long busy timeout, so
 * SQLite itself waits for other processes' locks. Two connections of one
 * process on one file can deadlock with the embedded driver: a statement that
 * failed while waiting stays un-reset (libsql 0.18) and keeps holding the
 * lock, and the other connection then waits on its own process forever (seen
 * here with 3 worker processes on one file).
 *
 * @module
 */

import type { Driver, Result, Statement } from "./driver.ts";
import { TaskError } from "../errors.ts";

/** Whether a statement may run again after a network error. */
export type Repeat = "read" | "write";

/** Default of `busyRetryMs`. */
export const BUSY_RETRY_MS = 5_000;
/** Default of `requestTimeoutMs` (remote databases): far under the default lease, over any sane round trip. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A call the server did not answer within `requestTimeoutMs`. */
class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}
/** Attempts after the first one on a network error of a read. */
const NETWORK_RETRIES = 2;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The embedded driver's statements hold native memory (more for more rows) that is freed only from
 * a later turn of the event loop (Node runs N-API finalizers from its check
 * phase). Its calls resolve without real I/O, so a caller awaiting statement
 * after statement (a worker with a no-op function, a loop of createTask) runs
 * in microtasks only and never lets that turn come: RSS then grows by kilobytes
 * per statement for as long as the loop runs. Every TURN_EVERY rows moved by
 * this process's statements (a statement counts as many as the tasks it
 * reserves, writes or inserts), wait for one macrotask. Measured: 100,000
 * statements grow RSS by 520 MB without it, by 18 MB with it; a worker at
 * c=32 grew +66.7 MB over 100,000 tasks when one-statement ticks counted as
 * one, +57 MB counted by rows every 300 (docs/performance.md). Once a task's
 * run made no closures (execution.ts), three runs each grew it +45–56 MB every
 * 300 rows, +48–55 MB every 450, +56–58 MB every 600 (1,200: +64 MB); 450 keeps
 * a margin under 60 MB and cuts the time a busy worker spends waiting out
 * setTimeout's 1 ms floor (8 % of it at 300) by a third. A driver that knows
 * a cheaper way to reach that turn says so (`Driver.turns`: the native driver
 * yields with `setImmediate` every 100 rows, with no floor to wait out).
 */
const TURN_EVERY = 450;
let statementsSinceTurn = 0;
/** Counts `statements` rows moved; returns the wait for a turn when one is due (the driver's own, if it has one). */
const turn = (statements: number, driver: Driver): Promise<void> | undefined => {
  statementsSinceTurn += statements;
  const own = driver.turns;
  if (statementsSinceTurn < (own ? own.every : TURN_EVERY)) return undefined;
  statementsSinceTurn = 0;
  return own ? own.yield() : sleep(0);
};

/**
 * What an error of the database's own storage means, in words (SQLite's base
 * codes). These are the store's trouble, not the caller's: `unavailable`,
 * HTTP 503. A write that failed this way did not commit (SQLite rolls the
 * statement or transaction back), so nothing it would have changed is kept.
 */
const STORAGE_TROUBLE: Record<string, string> = {
  SQLITE_FULL: "the disk holding the database is full",
  SQLITE_IOERR: "the database file could not be read or written (an I/O error)",
  SQLITE_CANTOPEN: "the database file cannot be opened (a missing directory, or no permission)",
  SQLITE_READONLY: "the database cannot be written (read-only)",
  SQLITE_READONLY_DBMOVED:
    "the database file was deleted or replaced since the store opened it (restart to open the file now at that path)",
  SQLITE_CORRUPT: "the database file is damaged",
  SQLITE_NOTADB: "the file is not a SQLite database",
  SQLITE_NOMEM: "the database ran out of memory",
  SQLITE_PERM: "access to the database was denied",
  SQLITE_AUTH: "access to the database was denied",
  SQLITE_PROTOCOL: "the database's locks could not be taken",
  SQLITE_NOLFS: "the database file is too large for this system",
};

/** How a driver error is to be treated. */
export function classifyDriverError(
  e: unknown,
): "busy" | "network" | "timeout" | "constraint" | "closed" | "storage" | "other" {
  if (e instanceof RequestTimeout) return "timeout";
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string") {
    // sqld rolls back a transaction that waited or ran past its timeout: nothing was applied, so it is retried as busy
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || code === "TRANSACTION_TIMEOUT") return "busy";
    if (code === "SQLITE_CONSTRAINT") return "constraint";
    if (code === "CLIENT_CLOSED") return "closed";
    if (baseCode(e) in STORAGE_TROUBLE) return "storage";
    if (code.startsWith("SQLITE_")) return "other";
    // hrana / http / websocket failures of a remote database
    if (/^(HRANA_|SERVER_ERROR|HTTP|WEBSOCKET|STREAM_|UNKNOWN)/.test(code)) return "network";
    return "other";
  }
  // fetch() rejects with a TypeError when the server cannot be reached
  if (e instanceof TypeError || (e as { name?: unknown })?.name === "AbortError") return "network";
  return "other";
}

/** Which constraint refused a write, from the driver's message ("CHECK constraint failed: x" → "CHECK x"). */
function constraintOf(e: unknown): string {
  const message = String((e as { message?: unknown })?.message ?? "").replace(/^[A-Z_]+: /, "").replace(
    /^SQLite error: /,
    "",
  );
  const m = /^(\w+(?: \w+)?) constraint failed: (.*)$/s.exec(message);
  return (m ? `${m[1]} ${m[2]}` : message).slice(0, 200);
}

/** SQLite's base code of a driver error (`SQLITE_IOERR_WRITE` → `SQLITE_IOERR`), or its code as it is. */
function baseCode(e: unknown): string {
  const code = String((e as { code?: unknown })?.code);
  const m = /^SQLITE_[A-Z]+/.exec(code);
  return m ? m[0] : code;
}

/**
 * The `TaskError` a driver error becomes. Its message is the store's own
 * words, never the driver's text: that can name files, URLs (with their
 * credentials) and SQL. The driver's error stays as the `cause`. `call` is
 * what failed: a read (nothing changed, the data could not be read), a write
 * (a timed-out one may or may not have been applied), or the store's opening
 * (tried again by the next call).
 */
export function toTaskError(e: unknown, what: string, call: Repeat | "open" = "write"): TaskError {
  if (e instanceof TaskError) return e;
  const kind = classifyDriverError(e);
  const opts = { cause: e };
  switch (kind) {
    case "busy":
      return new TaskError(
        "unavailable",
        "store-unavailable",
        `${what}: the store is unavailable: the database stayed locked by another writer`,
        opts,
      );
    case "network":
      return new TaskError(
        "unavailable",
        "store-unavailable",
        `${what}: the store is unavailable: the database server could not be reached`,
        opts,
      );
    case "storage":
      return new TaskError(
        "unavailable",
        "store-unavailable",
        `${what}: the store is unavailable: ${
          STORAGE_TROUBLE[String((e as { extendedCode?: unknown }).extendedCode)] ?? STORAGE_TROUBLE[baseCode(e)]
        }`,
        opts,
      );
    case "timeout":
      return new TaskError(
        "unavailable",
        "store-timeout",
        `${what}: the store did not answer within ${(e as RequestTimeout).ms} ms (requestTimeoutMs); ` + ({
          read: "the data could not be read (nothing was changed)",
          write: "a write's outcome is unknown, so it is left to its lease and fence",
          open: "the store could not be opened, and the next call tries again",
        })[call],
        opts,
      );
    case "closed":
      return new TaskError("unavailable", "store-closed", `${what}: the store is closed`, opts);
    case "constraint":
      // not one the store checks for (an existing id is task-already-exists): a schema of another version, a
      // trigger of the user's; named, since that is what the user must look for
      return new TaskError(
        "internal",
        "internal-error",
        `${what}: the database refused the write (constraint: ${constraintOf(e)})`,
        opts,
      );
    default:
      return new TaskError(
        "internal",
        "internal-error",
        `${what}: unexpected store error (the error's cause holds the driver's report)`,
        opts,
      );
  }
}

/** Settings of a connection. */
export interface ConnectionOptions {
  /** The client is the store's own (not injected): it may be reopened. */
  own: boolean;
  busyRetryMs: number;
  /** Per-connection settings, applied when the store opens. */
  pragmas: string[];
  /** Gives the client back (closes it when no other store of this process uses it). */
  release?: () => void;
  /** Longest wait for one call's answer; 0: unbounded (the embedded driver answers synchronously). */
  requestTimeoutMs: number;
}

interface Shared {
  client: Driver;
  users: number;
}
const fileClients = new Map<string, Shared>();

/**
 * The one client of this process for a `file:` URL, opened on first use and
 * closed when the last store using it closes. `create` opens a new one.
 */
export function openFileClient(url: string, create: () => Driver): { client: Driver; release: () => void } {
  let shared = fileClients.get(url);
  if (!shared || shared.client.closed) {
    shared = { client: create(), users: 0 };
    fileClients.set(url, shared);
  }
  shared.users++;
  const s = shared;
  let released = false;
  return {
    client: s.client,
    release: () => {
      if (released) return;
      released = true;
      if (--s.users === 0) {
        s.client.close();
        if (fileClients.get(url) === s) fileClients.delete(url);
      }
    },
  };
}

/**
 * How many write requests one store keeps in flight to a libSQL server. SQLite
 * runs one writer at a time anyway, and sqld (0.24.32) can stop answering
 * altogether when many write requests contend: 40 concurrent reservations per
 * round through one store stalled it for good (every server thread spinning)
 * in 2 of 6 runs of 300 rounds, and in none of 8 runs with writes queued here.
 * Two in flight keep one executing and one waiting at the server. Reads are
 * not limited.
 */
export const REMOTE_WRITES_IN_FLIGHT = 2;

/** A counting gate: at most `size` callers inside at once, the rest wait in order. */
class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await op();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.#free++;
    }
  }
}

/** A libSQL client with the store's error mapping and retry policy. */
export class Connection {
  readonly client: Driver;
  readonly #opts: ConnectionOptions;
  /** Limits writes to a server; an embedded database has its own single connection. */
  readonly #writes: Gate | null;
  #closed = false;
  /** Calls under way (for `quiet`). */
  #inflight = 0;

  constructor(client: Driver, opts: ConnectionOptions) {
    this.client = client;
    this.#opts = opts;
    this.#writes = client.protocol === "file" ? null : new Gate(REMOTE_WRITES_IN_FLIGHT);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One statement, retried per policy, driver errors mapped to `TaskError`.
   * `weight`: how many statements' worth of driver memory it holds (the rows
   * it moves; see TURN_EVERY).
   */
  async execute(stmt: Statement, repeat: Repeat, what: string, weight = 1): Promise<Result> {
    try {
      return await this.retry(() => this.client.execute(stmt), repeat, weight);
    } catch (e) {
      throw toTaskError(e, what, repeat);
    }
  }

  /** Runs `op` (of `statements` statements) with the retry policy; throws the raw error of the last attempt. */
  retry<T>(op: () => Promise<T>, repeat: Repeat, statements = 1): Promise<T> {
    this.#inflight++;
    const done = repeat === "write" && this.#writes
      ? this.#writes.run(() => this.#attempt(op, repeat, statements))
      : this.#attempt(op, repeat, statements);
    return done.finally(() => this.#inflight--);
  }

  /**
   * Resolves once no call has been under way for two macrotasks in a row (so
   * that callers reacting to a close have issued their last writes), or after
   * `maxMs`.
   */
  async quiet(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    let idleTurns = 0;
    while (idleTurns < 2 && Date.now() < deadline) {
      await sleep(this.#inflight ? 5 : 0);
      idleTurns = this.#inflight ? 0 : idleTurns + 1;
    }
  }

  async #attempt<T>(op: () => Promise<T>, repeat: Repeat, statements: number): Promise<T> {
    const began = Date.now();
    const pause = turn(statements, this.client);
    if (pause) await pause;
    for (let attempt = 0;; attempt++) {
      // a closed store refuses even when its (injected, still open) client would answer
      if (this.#closed) throw new TaskError("unavailable", "store-closed", "the store is closed");
      try {
        return await this.#bounded(op);
      } catch (e) {
        const kind = classifyDriverError(e);
        if (kind === "busy" && Date.now() - began < this.#opts.busyRetryMs) {
          // short random pauses: the lock frees within milliseconds, and a long sleep only loses the race again
          await sleep(Math.random() * Math.min(2 ** attempt, 50));
        } else if ((kind === "network" || kind === "timeout") && repeat === "read" && attempt < NETWORK_RETRIES) {
          await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
        } else {
          throw e;
        }
      }
    }
  }

  /**
   * `op`, or a `RequestTimeout` once `requestTimeoutMs` passes without its
   * answer. The call itself may still be under way (a store's own HTTP client
   * aborts its fetch at the same time); a write cut off here may or may not
   * have been applied, and the caller is told so.
   */
  #bounded<T>(op: () => Promise<T>): Promise<T> {
    const ms = this.#opts.requestTimeoutMs;
    if (!ms) return op();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RequestTimeout(ms)), ms);
      op().then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e) => (clearTimeout(timer), reject(e)),
      );
    });
  }

  /** Applies the per-connection settings (on open, and again after a reopen). */
  async applyPragmas(): Promise<void> {
    for (const p of this.#opts.pragmas) await this.client.execute(p);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#opts.own) this.#opts.release?.();
  }
}
