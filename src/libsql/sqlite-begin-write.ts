/**
 * The BEGIN IMMEDIATE of an embedded connection's write transactions, in
 * short pauses of its own while contended: SQLite's own busy wait sleeps
 * 1 ms, then 2, 5, 10… while another process's write transaction (a
 * worker's tick) holds the lock well under a millisecond (docs/performance.md,
 * "A busy BEGIN waits in short pauses").
 *
 * @module
 */

import { asDriverError } from "./sqlite-errors.ts";
import { runEither, type SqliteConnection, type SqliteStatement } from "../drivers/sqlite-library.ts";

/** How long after a BEGIN had to wait the next ones wait in short pauses of their own. */
const CONTENDED_MS = 1000;
/** What `Atomics.wait` waits on (nothing ever notifies it: each wait runs its full pause). */
const NEVER_NOTIFIED = typeof SharedArrayBuffer === "function" ? new Int32Array(new SharedArrayBuffer(4)) : null;

/**
 * Once a BEGIN has had to wait, for the next second each BEGIN runs with a
 * busy timeout of 0 and is tried again after pauses of 0.05 ms doubling to
 * 1 ms, up to the busy timeout (inside the transaction SQLite's own wait
 * still covers its brief internal locks). Uncontended, a BEGIN is one
 * statement: setting the timeout around every one would cost a lone worker.
 */
export class WriteBegin {
  readonly #busyTimeoutMs: number;
  /**
   * Its own statements, each run again (a run resets it first): a BEGIN
   * refused as busy stays active until reset, and an active statement keeps
   * the connection from committing ("SQL statements in progress").
   */
  readonly #begin: SqliteStatement;
  readonly #noWait: SqliteStatement;
  readonly #wait: SqliteStatement;
  /** Until when (performance.now()) a BEGIN takes the lock in short pauses of its own. */
  #contendedUntil = 0;

  constructor(db: SqliteConnection, busyTimeoutMs: number) {
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#noWait = db.prepare("PRAGMA busy_timeout = 0");
    this.#wait = db.prepare(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  }

  /** Begins a write transaction; `rollback` ends it if the busy timeout then cannot be set back. */
  run(rollback: () => void): void {
    const began = performance.now();
    if (began >= this.#contendedUntil) {
      try {
        this.#begin.run([]);
      } catch (e) {
        throw asDriverError(e);
      } finally {
        if (performance.now() - began > 0.5) this.#contendedUntil = performance.now() + CONTENDED_MS;
      }
      return;
    }
    runEither(this.#noWait);
    let failure: unknown;
    try {
      this.#beginInPauses(began);
    } catch (e) {
      failure = e;
    }
    try {
      runEither(this.#wait);
    } catch (e) {
      // the busy timeout could not be set back: the connection would wait 0 ms from now on; end what began, and say so
      if (failure === undefined) rollback();
      throw asDriverError(e);
    }
    if (failure !== undefined) throw failure;
  }

  /** BEGIN IMMEDIATE tried again after pauses of 0.05 ms doubling to 1 ms while it is busy, up to the busy timeout. */
  #beginInPauses(began: number): void {
    const deadline = began + this.#busyTimeoutMs;
    for (let pause = 0.05;; pause = Math.min(pause * 2, 1)) {
      try {
        this.#begin.run([]);
        return;
      } catch (raw) {
        const e = asDriverError(raw);
        if (e.code !== "SQLITE_BUSY" || performance.now() >= deadline) throw e;
        this.#contendedUntil = performance.now() + CONTENDED_MS;
        if (NEVER_NOTIFIED) Atomics.wait(NEVER_NOTIFIED, 0, 0, pause); // a synchronous pause, as SQLite's own busy wait is
      }
    }
  }
}
