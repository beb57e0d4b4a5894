/**
 * How many statements a store has sent its database: every statement of
 * every call, a batch's each counted, a retried call counted again (each
 * reached the database). Cloudflare D1 limits queries per Worker
 * invocation; `drain({ maxQueries })` reads this count to stay under it.
 *
 * @module
 */

import { type Driver, type Statement, wrapDriver } from "../drivers/driver.ts";

/** A driver that counts what it sends. */
export interface CountingDriver extends Driver {
  /** Statements sent so far. */
  readonly statementsSent: number;
}

/** `driver`, counting the statements sent through it. */
export function countStatements(driver: Driver): CountingDriver {
  let sent = 0;
  const wrapped = wrapDriver(driver, {
    execute: (s: Statement) => (sent++, driver.execute(s)),
    batch: (ss: Statement[], mode) => ((sent += ss.length), driver.batch(ss, mode)),
  });
  return Object.defineProperty(wrapped, "statementsSent", { get: () => sent }) as CountingDriver;
}
