/**
 * The database clock, for the pages and `/metrics` that compare a stored time
 * with now (how overdue a schedule is): every time sokka stores is that
 * clock's (moved by a `TestClock` in tests), never the process's.
 *
 * @module
 */

import type { TaskQ } from "../types.ts";

/**
 * The database clock (epoch ms), as `activity` answers it: a read of
 * `topic`'s current minute (at most a row), or of the clock alone.
 *
 * @example
 * ```ts
 * const now = await databaseNow(taskq, "reports");
 * ```
 */
export async function databaseNow(taskq: TaskQ, topic: string): Promise<number> {
  return (await taskq.activity({ sinceMs: 1, topic })).now;
}
