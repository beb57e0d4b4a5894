/**
 * A store's way to its database: the connection, opened and migrated on
 * first use (WAL and per-connection pragmas on a file), each call one
 * statement or one batch in one round trip, driver errors as `TaskError`s.
 *
 * @module
 */

import type { Result, Statement } from "../drivers/driver.ts";
import type { TaskQWarning } from "../types.ts";
import type { Connection } from "./connection.ts";
import { clientClosed, toTaskError } from "./driver-errors.ts";
import { migrate } from "./schema.ts";
import { injectedWarning, isPatched, WAL_RESET_WARNING } from "../drivers/sqlite-version.ts";

/** The connection of one store, opened on its first call. */
export class Session {
  readonly #conn: Connection;
  readonly #warn: (w: TaskQWarning) => void;
  #ready: Promise<void> | null = null;
  #isReady = false;

  /** `warn`: how the store tells a warning found while opening (a SQLite with the WAL-reset bug). */
  constructor(conn: Connection, warn: (w: TaskQWarning) => void) {
    this.#conn = conn;
    this.#warn = warn;
  }

  /** One statement; `weight` is how many rows it moves (the store yields to the event loop by rows, see connection.ts). */
  run(stmt: Statement, repeat: "read" | "write", what: string, weight = 1): Promise<Result> {
    // no async frame of its own once open: every statement of the store passes here
    if (!this.#isReady) return this.#ensureReady(what).then(() => this.#conn.execute(stmt, repeat, what, weight));
    return this.#conn.execute(stmt, repeat, what, weight);
  }

  /** Statements in one transaction and one round trip (a lone one as a plain call); driver errors as TaskErrors. */
  async batch(stmts: Statement[], mode: "read" | "write", weight: number, what: string): Promise<Result[]> {
    if (!this.#isReady) await this.#ensureReady(what);
    const client = this.#conn.client;
    const send = () => stmts.length === 1 ? client.execute(stmts[0]).then((rs) => [rs]) : client.batch(stmts, mode);
    try {
      return await this.#conn.retry(send, mode, weight);
    } catch (e) {
      throw toTaskError(e, what, mode);
    }
  }

  #ensureReady(what: string): Promise<void> {
    if (this.#conn.closed) return Promise.reject(toTaskError(clientClosed(), what));
    if (this.#isReady) return Promise.resolve();
    this.#ready ??= this.#prepare().then(
      () => {
        this.#isReady = true;
      },
      (e) => {
        this.#ready = null; // a later call tries again
        throw toTaskError(e, "opening the store", "open");
      },
    );
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    const conn = this.#conn;
    if (conn.client.protocol === "file") {
      // WAL is stored in the file: set once, it holds for every connection and process.
      await conn.retry(() => conn.client.execute("PRAGMA journal_mode = WAL"), "write");
      // Per connection; our own file client has exactly one (concurrency: 1).
      await conn.applyPragmas();
    }
    await conn.retry(() => migrate(conn.client), "write");
    let warning = conn.client.warning;
    if (warning === undefined && !conn.client.name && conn.client.protocol === "file") {
      // an injected @libsql/client on a file (an in-memory one has no file: no WAL): its SQLite is libsql's
      const rs = await conn.retry(
        () =>
          conn.client.execute(
            "SELECT sqlite_version() AS v, (SELECT file FROM pragma_database_list WHERE name = 'main') AS file",
          ),
        "read",
      );
      const version = String(rs.rows[0].v);
      if (rs.rows[0].file && !isPatched(version)) warning = injectedWarning(version);
    }
    if (warning) this.#warn({ message: warning, code: WAL_RESET_WARNING });
  }
}
