/**
 * The status conditions of the store's statements, generated from the
 * transition table (`transitions.ts`): no status is typed by hand in a guard.
 *
 * @module
 */

import { fromOf, type Operation, type Status } from "../../transitions.ts";

/** A status as an SQL literal. */
export const lit = (status: Status): string => `'${status}'`;

/**
 * `status = 'x'` for one status, `status IN ('x', 'y')` for several. As
 * `+status` (`column`), the unary plus keeps the planner off the status
 * indexes, so a row is found by its id, never by a scan of a status.
 */
export function statusIn(statuses: readonly Status[], column = "status"): string {
  return statuses.length === 1 ? `${column} = ${lit(statuses[0])}` : `${column} IN (${statuses.map(lit).join(", ")})`;
}

/** The guard of an operator's action (`?1` the task): the statuses it moves a task from. */
export const operatorGuard = (op: Operation): string => `task_id = ?1 AND ${statusIn(fromOf(op, "any"))}`;

/**
 * The guard of a worker's fenced write over one tuple of `TUPLES`: from a
 * status it must own, the task belongs to the tuple's pid, and to that very
 * reservation when the tuple names a lease; from an owner-less status, only
 * a write naming no lease (a fenced write needs its reservation). `ownedOnly`:
 * the owned statuses alone (a worker's own outcome, always fenced).
 */
export function fencedGuard(op: Operation, ownedOnly = false): string {
  const owned = fromOf(op, "owner");
  const unowned = ownedOnly ? [] : fromOf(op, "unowned");
  const parts: string[] = [];
  if (owned.length) {
    parts.push(`(${statusIn(owned, "+status")} AND pid = w_pid AND (w_lease IS NULL OR lease_id = w_lease))`);
  }
  if (unowned.length) parts.push(`(${statusIn(unowned, "+status")} AND w_lease IS NULL)`);
  return parts.length === 1 ? parts[0] : `(${parts.join(" OR ")})`;
}
