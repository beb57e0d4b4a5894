/**
 * What a reservation writes to each task it takes (`RESERVE_SET`), shared
 * by the topic's reservation (reserve.ts) and a partitioned topic's
 * (reserve-keyed.ts).
 *
 * @module
 */

import { fromOf, TRANSITIONS } from "../../transitions.ts";
import { NOW, TOUCH } from "./fragments.ts";
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
/**
 * A lease of a topic with a rate limit starts with "r" (others are 32 hex digits, all below "r"): the
 * trigger that spends its rate token (`sokka_rate_taken`, statements/limits.ts) tells it from the lease
 * alone, so a reservation of a topic without a rate fires no lookup per task. One seek per statement
 * (an uncorrelated subquery).
 */
const RATED = "EXISTS (SELECT 1 FROM sokka_topic_limits WHERE topic = ?1 AND rate_limit IS NOT NULL)";
/** A new lease id: 32 hex digits, after an "r" when the topic has a rate (no concatenation otherwise). */
const LEASE = "lower(hex(randomblob(16)))";
/** What a reservation writes: each column as an exhausted task gets it, and as a reserved one does. */
const ON_RESERVE: [column: string, exhausted: string, reserved: string][] = [
  ["status", lit(FAILED), lit(RUNNING)],
  ["pid", "pid", "?2"],
  ["lease_id", "NULL", `CASE WHEN ${RATED} THEN 'r' || ${LEASE} ELSE ${LEASE} END`],
  ["lease_expires_at", "NULL", `${NOW} + ?3`],
  ["ready_at", "NULL", `${NOW} + ?3`],
];
/** The SET of every reservation statement (?1 topic, ?2 pid, ?3 lease ms). */
export const RESERVE_SET = `${
  ON_RESERVE.map(([col, exhausted, reserved]) =>
    `${col} = CASE WHEN ${EXHAUSTED} THEN ${exhausted} ELSE ${reserved} END`
  )
    .join(",\n  ")
},
  attempts = attempts + CASE WHEN ${EXHAUSTED} THEN 0 ELSE 1 END,
  failures = failures + (${EXPIRED}),
  error = CASE WHEN ${EXPIRED} THEN 'lease expired: ' || pid || ' neither finished nor extended attempt ' || attempts ELSE error END,
  ${TOUCH}`;
