/**
 * Schemas of points in time: ISO 8601 timestamps read exactly, and the
 * `Instant` every time field accepts (epoch ms, a Date, an ISO string).
 *
 * @module
 */

import * as v from "valibot";

/**
 * An ISO 8601 timestamp with its offset (`2026-12-05T12:00:00Z`,
 * `…+01:00`, `…+0100`, `…+01`; a space for the `T` is fine): epoch ms, or
 * null when it is not one or names no real date (`2026-02-31`). Read here,
 * not by `Date.parse`, which returns NaN for some forms the ISO pattern
 * allows (an hour-only offset) and rolls a 31st of February over into March.
 */
export function isoToEpochMs(s: string): number | null {
  const m = ISO_TIMESTAMP.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const lastDay = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !isLeap(y) ? 1 : 0);
  if (mo < 1 || mo > 12 || d < 1 || d > lastDay || h > 23 || mi > 59 || se > 59) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  at.setUTCHours(h, mi, se, ms);
  if (!m[8]) return at.getTime(); // Z
  const [oh, om] = [Number(m[9].slice(1)), m[10] ? Number(m[10]) : 0];
  if (oh > 23 || om > 59) return null;
  return at.getTime() - (m[9][0] === "+" ? 1 : -1) * (oh * 60 + om) * 60_000;
}
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|(([+-]\d{2})(?::?(\d{2}))?))$/;
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** What an ISO timestamp must look like, for messages. */
export const ISO_EXPECTED = 'an ISO 8601 timestamp of a real date with its offset, such as "2026-12-05T12:00:00Z" ' +
  'or "2026-12-05T13:00:00+01:00"';

/** A point in time: epoch ms, a Date, or (from JSON) an ISO 8601 string; always read as epoch ms, from 1970 on. */
const INSTANT = "a time: epoch milliseconds, a Date, or an ISO 8601 timestamp";
export const Instant = v.pipe(
  v.union([
    v.pipe(
      v.number(`must be ${INSTANT}`),
      v.integer("must be a whole number of epoch milliseconds"),
    ),
    v.pipe(
      v.date(`must be ${INSTANT}`),
      v.check((d) => !Number.isNaN(d.getTime()), "must be a valid Date, not Invalid Date"),
    ),
    v.pipe(
      v.string(`must be ${INSTANT}`),
      v.check(
        (s) => isoToEpochMs(s) !== null,
        (issue) => `must be ${ISO_EXPECTED}, not ${JSON.stringify(issue.input)}`,
      ),
    ),
  ], `must be ${INSTANT}`),
  v.transform((t): number => (typeof t === "number" ? t : typeof t === "string" ? isoToEpochMs(t)! : t.getTime())),
  // the same bounds however the time was given
  v.minValue(0, "must not be before 1970 (epoch milliseconds from 0)"),
  v.maxValue(Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER} (epoch milliseconds)`),
  v.description(INSTANT),
);
