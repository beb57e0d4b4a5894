/**
 * The store's connection to libSQL: it runs statements, turns driver errors
 * into `TaskError`s (driver-errors.ts) and retries what is safe to retry.
 *
 * - A busy or locked database is retried with short random pauses for up to
 *   `busyRetryMs`: the statement did not run, so repeating it is safe.
 * - A network error is retried only for reads: a write may have been applied
 *   before the connection broke.
 *
 * A `file:` database gets one client per process and file (file-clients.ts)
 * with a long busy timeout, so SQLite itself waits for other processes' locks.
 *
 * @module
 */

import type { Driver, Result, Statement } from "../drivers/driver.ts";
import { sleep } from "../sleep.ts";
import { classifyDriverError, clientClosed, remoteFailure, RequestTimeout, toTaskError } from "./driver-errors.ts";
import { turnIfDue } from "./event-loop-turns.ts";
import { Gate } from "./gate.ts";
import { type CountingDriver, countStatements } from "./statement-count.ts";

/** Whether a statement may run again after a network error. */
export type Repeat = "read" | "write";

/** Default of `busyRetryMs`. */
export const BUSY_RETRY_MS = 5_000;
/** The protocols of `@libsql/client`'s remote clients. */
const REMOTE_PROTOCOLS = /^(https?|wss?|libsql)$/;

/** Default of `requestTimeoutMs` (remote databases): far under the default lease, over any sane round trip. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Attempts after the first one on a network error of a read. */
const NETWORK_RETRIES = 2;

/**
 * How many write requests one store keeps in flight to a libSQL server:
 * SQLite runs one writer at a time anyway, and sqld can stall for good when
 * many write requests contend (docs/store.md). Two keep one executing and
 * one waiting at the server. Reads are not limited.
 */
export const REMOTE_WRITES_IN_FLIGHT = 2;

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

/** A libSQL client with the store's error mapping and retry policy. */
export class Connection {
  /** The driver, counting the statements sent (`statementsSent`). */
  readonly client: CountingDriver;
  readonly #opts: ConnectionOptions;
  /** Limits writes to a server; an embedded database has its own single connection. */
  readonly #writeGate: Gate | null;
  /** A database server reached over a network (`@libsql/client`'s http and ws clients), not D1 or a Durable Object. */
  readonly #remote: boolean;
  #closed = false;
  /** Calls under way (for `quiet`). */
  #callsUnderWay = 0;

  constructor(client: Driver, opts: ConnectionOptions) {
    this.client = countStatements(client);
    this.#opts = opts;
    this.#writeGate = client.protocol === "file" ? null : new Gate(REMOTE_WRITES_IN_FLIGHT);
    this.#remote = REMOTE_PROTOCOLS.test(client.protocol);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * One statement, retried per policy, driver errors mapped to `TaskError`.
   * `weight`: how many statements' worth of driver memory it holds (the rows
   * it moves; see event-loop-turns.ts).
   */
  async execute(stmt: Statement, repeat: Repeat, what: string, weight = 1): Promise<Result> {
    try {
      return await this.retry(() => this.client.execute(stmt), repeat, weight);
    } catch (e) {
      throw toTaskError(e, what, repeat);
    }
  }

  /** Runs `op` (moving `weight` rows) with the retry policy; throws the raw error of the last attempt. */
  retry<T>(op: () => Promise<T>, repeat: Repeat, weight = 1): Promise<T> {
    this.#callsUnderWay++;
    const done = repeat === "write" && this.#writeGate
      ? this.#writeGate.run(() => this.#attempt(op, repeat, weight))
      : this.#attempt(op, repeat, weight);
    return done.finally(() => this.#callsUnderWay--);
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
      await sleep(this.#callsUnderWay ? 5 : 0);
      idleTurns = this.#callsUnderWay ? 0 : idleTurns + 1;
    }
  }

  async #attempt<T>(op: () => Promise<T>, repeat: Repeat, weight: number): Promise<T> {
    const began = Date.now();
    const pause = turnIfDue(weight, this.client);
    if (pause) await pause;
    for (let attempt = 0;; attempt++) {
      // a closed store refuses even when its (injected, still open) client would answer
      if (this.#closed) throw clientClosed();
      try {
        return await this.#bounded(op);
      } catch (raw) {
        const e = this.#remote ? remoteFailure(raw) : raw;
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
