/**
 * The guard of a completion in the caller's own batch (`completeBatch`): a
 * statement that FAILS unless each task of its tuples still runs under the
 * lease named (its pid and lease id, as reserved, not expired by the
 * database clock), so the whole batch — the caller's own statements included
 * — rolls back. It reads the same argument as the terminate it guards.
 *
 * @module
 */

import { fromOf } from "../../transitions.ts";
import { NOW } from "./fragments.ts";
import { statusIn } from "./guards.ts";

/** The lease of the tuple `value` (`FencedTuple`: id, pid, lease) holds. */
const HELD = `EXISTS (SELECT 1 FROM sokka_tasks
    WHERE task_id = value ->> 0 AND ${statusIn(fromOf("terminate", "owner"))}
      AND pid = value ->> 1 AND lease_id = value ->> 2 AND lease_expires_at > ${NOW})`;

/**
 * ?1 a JSON array of `FencedTuple`s (`terminateTuple`): no row when every
 * lease holds; else the statement fails with a reason that names the task.
 * SQLite's `RAISE()` takes only a fixed text before 3.47 (libSQL carries
 * 3.45), so the reason is raised as the path of a `json_extract` instead:
 * its error ("bad JSON path: '…'") carries the text built for the task. The
 * path is built from a row of `json_each`, never a constant, so SQLite
 * evaluates it only for a tuple whose lease is lost.
 */
export const LEASE_HELD = `SELECT json_extract('{}',
    'sokka: lease lost: task ' || (value ->> 0) || ' is no longer running under lease ' || (value ->> 2)
      || ' of ' || (value ->> 1) || ' (it ended, was handed back or cancelled, its lease expired, or it was reserved again);'
      || ' the whole batch was rolled back, your own statements included')
  FROM json_each(?1) WHERE NOT ${HELD}`;
