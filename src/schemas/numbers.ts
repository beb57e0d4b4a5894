/**
 * Schemas of whole numbers: durations in milliseconds, byte sizes, record
 * versions, and any bounded range.
 *
 * @module
 */

import * as v from "valibot";

const MAX_INT32 = 2 ** 31 - 1;

/** A positive integer of at most 2^31−1 (milliseconds). */
export const PositiveMs = intRange(1, MAX_INT32, `a whole number of milliseconds from 1 to ${MAX_INT32}`);

/** A non-negative integer of at most 2^31−1 (a snooze may be 0). */
export const NonNegativeMs = intRange(0, MAX_INT32, `a whole number of milliseconds from 0 to ${MAX_INT32}`);

/** A positive integer of at most 2^31−1 (a size limit in bytes). */
export const PositiveBytes = intRange(1, MAX_INT32, `a whole number of bytes from 1 to ${MAX_INT32}`);

/** A whole number from `min` to `max`, described for messages and docs. */
export function intRange(min: number, max: number, description = `a whole number from ${min} to ${max}`) {
  return v.pipe(
    v.number("must be a number"),
    v.integer("must be an integer"),
    v.minValue(min, min === 0 ? "must not be negative" : `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
    v.description(description),
  );
}

/** A record version (optimistic concurrency). */
export const RecordVer = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.description("the task's recordVer, a whole number from 1"),
);
