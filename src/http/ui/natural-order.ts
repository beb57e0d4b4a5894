/**
 * Natural order of names, as people sort them: runs of digits compare as
 * numbers, so `topic-2` comes before `topic-10`. Everything else compares
 * as the store orders text (code point order), so the order is the same in
 * every runtime and locale.
 *
 * @module
 */

import { compareText } from "../../libsql/topics.ts";

const RUNS = /\d+|\D+/g;

/** Compares two digit runs as numbers (any length: no parsing), then by their leading zeros (fewer first). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : a.length - b.length;
}

/** Negative when `a` comes before `b` in natural order, positive after, 0 only when they are equal. */
export function naturalCompare(a: string, b: string): number {
  const x = a.match(RUNS) ?? [];
  const y = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const digits = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    const d = digits ? compareDigits(x[i], y[i]) : compareText(x[i], y[i]);
    if (d) return d;
  }
  return x.length - y.length || compareText(a, b);
}
