/**
 * A driver whose statements read the database clock moved by a
 * `TestClock`'s offset: each `unixepoch('subsec')` (the one clock every
 * statement reads, `NOW` in statements/fragments.ts) becomes itself plus the
 * offset. Only stores created with a `clock` are wrapped. Schema statements
 * (`CREATE …`) go as they are: a trigger created with the offset of its day
 * would keep it in the database file, for every store that opens it later.
 *
 * @module
 */

import { type Driver, type Statement, wrapDriver } from "../drivers/driver.ts";
import type { TestClock } from "../test-clock.ts";

const CLOCK = "unixepoch('subsec')";
/** A schema statement: never shifted. */
const SCHEMA = /^\s*CREATE\s/i;

/** `driver`, its statements reading `clock`'s time. */
export function shiftedClock(driver: Driver, clock: TestClock): Driver {
  const shift = (s: Statement): Statement => {
    const offset = clock.offsetMs;
    if (offset === 0) return s;
    const moved = (sql: string) => SCHEMA.test(sql) ? sql : sql.replaceAll(CLOCK, `(${CLOCK} + ${offset / 1000})`);
    return typeof s === "string" ? moved(s) : { ...s, sql: moved(s.sql) } as Statement;
  };
  return wrapDriver(driver, {
    execute: (s) => driver.execute(shift(s)),
    batch: (ss, mode) => driver.batch(ss.map(shift), mode),
  });
}
