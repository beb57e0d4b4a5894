/**
 * The event-loop turn the embedded driver needs to free native memory. Its
 * calls resolve without I/O, so a caller awaiting statement after statement
 * runs in microtasks only and never gives that turn: RSS would grow for as
 * long as the loop runs (docs/performance.md, "Event-loop turns").
 *
 * @module
 */

import { sleep } from "../sleep.ts";
import type { Driver } from "../drivers/driver.ts";

/** Rows moved between two macrotasks, for a driver with no cheaper turn of its own: keeps a worker's RSS growth bounded without waiting out setTimeout's 1 ms floor too often. */
const ROWS_PER_TURN = 450;

/** Rows moved by this process's statements since the last turn (shared by every connection: the memory is the process's). */
let rowsSinceTurn = 0;

/**
 * Counts `rows` moved (a statement counts as many as the tasks it reserves,
 * writes or inserts); returns the wait for a turn when one is due (the
 * driver's own, if it has one), else undefined.
 */
export function turnIfDue(rows: number, driver: Driver): Promise<void> | undefined {
  rowsSinceTurn += rows;
  const own = driver.turns;
  if (rowsSinceTurn < (own ? own.every : ROWS_PER_TURN)) return undefined;
  rowsSinceTurn = 0;
  return own ? own.yield() : sleep(0);
}
