/**
 * Reservation: the statements that take a topic's due tasks (`RESERVE_ONE`,
 * `RESERVE_MANY`, `RESERVE_MANY_EXCEPT`) and how long until the next is due
 * (`NEXT_READY`), with the arguments each takes.
 *
 * @module
 */

import { fromOf, TRANSITIONS } from "../../transitions.ts";
import { COLUMNS, NOW, PARKED, PAUSED, SOONEST_READY, TOUCH, WAITING } from "./fragments.ts";
import { lit, statusIn } from "./guards.ts";

/**
 * A due task whose lease expired (its worker died or stalled) counts a failed
 * attempt; one with its own `max_attempts` used up ends `failed` here instead
 * of running again (a poison task that kills its worker every time cannot
 * loop forever). The statement returns such rows too; callers keep only the
 * `running` ones.
 */
const EXPIRED = statusIn(fromOf("reserve", "expired"));
const EXHAUSTED = `(${EXPIRED} AND max_attempts IS NOT NULL AND failures + 1 >= max_attempts)`;
const [RUNNING, FAILED] = TRANSITIONS.reserve.to;
/** What a reservation writes: each column as an exhausted task gets it, and as a reserved one does. */
const ON_RESERVE: [column: string, exhausted: string, reserved: string][] = [
  ["status", lit(FAILED), lit(RUNNING)],
  ["pid", "pid", "?2"],
  ["lease_id", "NULL", "lower(hex(randomblob(16)))"],
  ["lease_expires_at", "NULL", `${NOW} + ?3`],
  ["ready_at", "NULL", `${NOW} + ?3`],
];
const RESERVE_SET = `${
  ON_RESERVE.map(([col, exhausted, reserved]) =>
    `${col} = CASE WHEN ${EXHAUSTED} THEN ${exhausted} ELSE ${reserved} END`
  )
    .join(",\n  ")
},
  attempts = attempts + CASE WHEN ${EXHAUSTED} THEN 0 ELSE 1 END,
  failures = failures + (${EXPIRED}),
  error = CASE WHEN ${EXPIRED} THEN 'lease expired: ' || pid || ' neither finished nor extended attempt ' || attempts ELSE error END,
  ${TOUCH}`;

/**
 * Up to `limit` reservable tasks of topic ?1: lowest priority first, then
 * oldest-ready, then oldest. Waiting ones come in that order from their
 * index; parked ones that are due are searched by time and sorted (only the
 * due ones: usually none or a few); SQLite merges the two (no sort of the
 * waiting), and LIMIT stops the walk. A paused topic gets a LIMIT of 0: the
 * check sits in the LIMIT, not in a WHERE around the merge, which SQLite ≥
 * 3.46 evaluates far slower inside an UPDATE (see docs/performance.md).
 */
const reservable = (limit: string, also = "") =>
  `SELECT id FROM (
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${WAITING} AND topic = ?1 AND ready_at <= ${NOW}${also}
    UNION ALL
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW}${also}
    ORDER BY p, r, id
  ) LIMIT (CASE WHEN ${PAUSED} THEN 0 ELSE ${limit} END)`;

/** `reserveOneArgs`. */
export const RESERVE_ONE = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id = (${reservable("1")})
  RETURNING ${COLUMNS}`;

export type ReserveOneArgs = [topic: string, pid: string, leaseMs: number];

/** `reserveManyArgs`. Each row gets its own lease id. */
export const RESERVE_MANY = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4")})
  RETURNING ${COLUMNS}`;

export type ReserveManyArgs = [topic: string, pid: string, leaseMs: number, n: number];

/**
 * `RESERVE_MANY` passing over the tasks whose ids are in the JSON array ?5
 * (a drain's tasks too long for its budget: it handed them back once and must
 * not take them again). A statement of its own, so that the worker's stays as
 * it is.
 */
export const RESERVE_MANY_EXCEPT = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4", " AND task_id NOT IN (SELECT value FROM json_each(?5))")})
  RETURNING ${COLUMNS}`;

export type ReserveExceptArgs = [...ReserveManyArgs, exceptJson: string];

/** A reservation of up to `n` tasks: `RESERVE_MANY`, or `RESERVE_MANY_EXCEPT` when some ids are passed over. */
export function reserveMany(
  topic: string,
  pid: string,
  leaseMs: number,
  n: number,
  except?: readonly string[],
): { sql: string; args: ReserveManyArgs | ReserveExceptArgs } {
  return except?.length
    ? { sql: RESERVE_MANY_EXCEPT, args: [topic, pid, leaseMs, n, JSON.stringify(except)] }
    : { sql: RESERVE_MANY, args: [topic, pid, leaseMs, n] };
}

/**
 * How many ms until the next task of topic ?1 is reservable (≤ 0: one is now;
 * NULL: none is live, or the topic is paused): an idle waiter sleeps that
 * long. See `SOONEST_READY`; no write lock.
 */
export const NEXT_READY = `${SOONEST_READY}
  SELECT min(r) - ${NOW} AS wait FROM soonest WHERE NOT ${PAUSED}`;
