/**
 * How many statements a store has sent its database: every statement of
 * every call, a batch's each counted, a retried call counted again (each
 * reached the database). Cloudflare D1 limits queries per Worker
 * invocation; `drain({ maxQueries })` reads this count to stay under it.
 *
 * @module
 */

import type { Driver, Statement } from "../drivers/driver.ts";

/** A driver that counts what it sends. */
export interface CountingDriver extends Driver {
  /** Statements sent so far. */
  readonly statementsSent: number;
}

/** `driver`, counting the statements sent through it. */
export function countStatements(driver: Driver): CountingDriver {
  let sent = 0;
  return {
    get statementsSent() {
      return sent;
    },
    get protocol() {
      return driver.protocol;
    },
    get name() {
      return driver.name;
    },
    get warning() {
      return driver.warning;
    },
    get sqliteVersion() {
      return driver.sqliteVersion;
    },
    get closed() {
      return driver.closed;
    },
    get turns() {
      return driver.turns;
    },
    execute: (s: Statement) => (sent++, driver.execute(s)),
    batch: (ss: Statement[], mode) => ((sent += ss.length), driver.batch(ss, mode)),
    close: () => driver.close(),
  };
}
