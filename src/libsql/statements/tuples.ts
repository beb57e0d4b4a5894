/**
 * The one argument of every worker's transition: a JSON array of labelled
 * tuples, so the same statement moves one task (a method call) or all the
 * tasks of a worker's tick (`applyWrites`) in one step. Each tuple carries its
 * own owner and fence; the guards are per row (`fencedGuard`).
 *
 * @module
 */

/** One fenced write: who claims the task, and the value its statement writes. */
export type FencedTuple = [
  taskId: string,
  pid: string,
  leaseId: string | null,
  /** lease ms (extendLease), result JSON (terminate), error text (fail), snooze ms (snooze) */
  value: string | number | null,
  /** fail only: the worker's `maxAttempts` */
  maxAttempts?: number | null,
  /** fail only: the worker's backoff as JSON */
  backoffJson?: string | null,
];

/** The SQL name of each `FencedTuple` field, in its order (one per field: the type says so). */
type Names<T extends unknown[]> = { [K in keyof T]: string };
const FIELDS: Names<Required<FencedTuple>> = ["w_id", "w_pid", "w_lease", "w_v", "w_max", "w_backoff"];

const read = (fields: readonly string[], from: number) =>
  fields.map((f, i) => `value ->> ${from + i} AS ${f}`).join(", ");
/** The tuples of ?1 as rows `w` (`FIELDS`: the claim and value, then a fail's retry defaults), each joined to its task. */
export const TUPLES = `FROM (SELECT ${read(FIELDS.slice(0, 4), 0)},
      ${read(FIELDS.slice(4), 4)}
    FROM json_each(?1)) AS w
  WHERE task_id = w_id`;

/** A revokeLease write: the task at the version the caller read. */
export type RevokeTuple = [taskId: string, recordVer: number];

/** The tuples of ?1 (`RevokeTuple`s) as rows `w`, each joined to its task. */
export const REVOKE_TUPLES = `FROM (SELECT value ->> 0 AS w_id, value ->> 1 AS w_rv FROM json_each(?1)) AS w
  WHERE task_id = w_id`;
