/**
 * Unique tasks: which tasks of a `uniqueKey` hold it (`covered`, the
 * condition of the partial unique index `sokka_tasks_unique`), and the read
 * that finds the holder of a key. The index itself enforces the key: a
 * create whose key is held meets its ON CONFLICT clause (statements/nodes.ts).
 *
 * @module
 */

import { STATUSES, statusRule } from "../../transitions.ts";
import { COLUMNS } from "./fragments.ts";

/** `a.status = 's' OR …` for `statuses` (no IN list: see STATUS_CHECK in schema.ts). */
const anyOf = (col: string, statuses: readonly string[]) => statuses.map((s) => `${col} = '${s}'`).join(" OR ");

/**
 * Whether the task (columns prefixed with `p`, e.g. `"o."`) holds its key:
 * - `period`: always (its hold names its window);
 * - `active`: until it ends;
 * - `queued`: while never reserved (`attempts = 0`) and `starting`, `blocked` or `held`;
 * - `debounce`: while never reserved and `starting`.
 */
export function covered(p = ""): string {
  const notFinal = STATUSES.filter((s) => !statusRule(s).final);
  const policy = policyOf(p);
  return `${p}unique_hold IS NOT NULL AND (${policy} = 'period'
      OR (${policy} = 'active' AND (${anyOf(`${p}status`, notFinal)}))
      OR (${p}attempts = 0 AND (${p}status = 'starting'
        OR (${policy} = 'queued' AND (${anyOf(`${p}status`, ["blocked", "held"])})))))`;
}

/** A task's unique policy (columns prefixed with `p`), from its `unique_def`. */
export const policyOf = (p = ""): string => `json_extract(${p}unique_def, '$.policy')`;

/** The condition of the unique index, as the index and every ON CONFLICT clause naming it say it. */
export const COVERED = covered();

/** Separates a period key from its window in `unique_hold` (a name holds no control character). */
export const WINDOW_SEP = "char(31)";

/**
 * ?1 topic, ?2 key: the task that holds the key now (a period key: the one
 * of its latest window), or no row. Read only to answer a create that was
 * deduplicated without a row (`onDuplicate: "error"`) or a refused re-run.
 */
export const HOLDER = `SELECT ${COLUMNS} FROM sokka_tasks
  WHERE topic = ?1 AND (unique_hold = ?2 OR (unique_hold > ?2 || ${WINDOW_SEP} AND unique_hold < ?2 || char(32)))
    AND ${COVERED}
  ORDER BY unique_hold DESC LIMIT 1`;

/**
 * The condition under which a task (columns of `sokka_tasks` unqualified)
 * may enter a status that holds its key again (a re-run): no other task of
 * its topic holds the same key. A period key never needs it (its hold is
 * its window, whatever the status).
 */
export const HOLD_FREE = `(unique_hold IS NULL OR ${policyOf()} = 'period' OR NOT EXISTS (
    SELECT 1 FROM sokka_tasks o WHERE o.topic = sokka_tasks.topic AND o.unique_hold = sokka_tasks.unique_hold
      AND o.id <> sokka_tasks.id AND ${covered("o.")}))`;

/** ?1 task id: the other task that holds its unique key now (a refused re-run is explained by it), or no row. */
export const HOLDER_OF = `SELECT o.task_id AS holder, json_extract(t.unique_def, '$.key') AS key FROM sokka_tasks t
  JOIN sokka_tasks o ON o.topic = t.topic AND o.unique_hold = t.unique_hold AND o.id <> t.id AND ${covered("o.")}
  WHERE t.task_id = ?1 AND t.unique_hold IS NOT NULL`;
