/**
 * Dependencies: the trigger that moves a task's dependants in the very
 * statement that ends (or re-runs) it — whoever writes it (a worker's tick,
 * an expired lease's reservation, a cancel, any process) — and the reads of
 * a task's dependencies and dependants.
 *
 * Bookkeeping: `sokka_deps` holds one row per (dependant, dependency), both task ids;
 * a dependant's `deps_left` counts its dependencies that have not ended;
 * `dependants = 1` marks a task that has dependants (the trigger's guard,
 * so a task without any pays one column test per status change); `blocker`
 * is the task whose ending ended this one by propagation (a re-run of it
 * re-arms this one).
 *
 * The trigger relies on SQLite's default `recursive_triggers = OFF`: its own
 * updates of dependants do not fire it again; it walks every level itself.
 *
 * @module
 */

import { STATUSES, statusRule } from "../../transitions.ts";
import { COLUMNS, NOW } from "./fragments.ts";
import { HOLD_FREE } from "./unique.ts";

const FINAL = STATUSES.filter((s) => statusRule(s).final);
const anyOf = (col: string, statuses: readonly string[]) => `(${statuses.map((s) => `${col} = '${s}'`).join(" OR ")})`;
/** A status that fails a dependant whose policy is not "run". */
const bad = (col: string) => anyOf(col, ["failed", "cancelled"]);
const final = (col: string) => anyOf(col, FINAL);
/**
 * The time of the statement that fired the trigger: every statement that
 * changes a task's status sets `updated_at` to `NOW`, and SQLite gives every
 * clock read of one statement (its triggers included) the same time. Not
 * `NOW` itself: a trigger is schema, so a `TestClock`'s offset, which moves
 * the clock of the statements a store sends, would never reach it.
 */
const FIRED_AT = "NEW.updated_at";
const TOUCH = `record_ver = record_ver + 1, updated_at = ${FIRED_AT}`;
/** Pruning: a DELETE sets no time, so its trigger reads the database clock itself (see `PRUNED_TRIGGER`). */
const PRUNE_TOUCH = `record_ver = record_ver + 1, updated_at = ${NOW}`;

/** A dependant's policy (columns prefixed with `p`), from its `deps`. */
const policy = (p = "") => `json_extract(${p}deps, '$.policy')`;

/** The dependant side of an edge is `blocked` and ends when a dependency fails (its policy is not "run"). */
const ENDS_WITH = `t.status = 'blocked' AND ${policy("t.")} <> 'run'`;

/** NEW ended now (it was not final before). */
const ENDED = `${final("NEW.status")} AND NOT ${final("OLD.status")}`;
/** NEW was re-run (failed or cancelled before, live now). */
const RERUN = `${bad("OLD.status")} AND NOT ${final("NEW.status")}`;

/** The tasks NEW's ending ended by propagation (set by the first step below, `blocker` NEW). */
const ENDED_BY_NEW = `SELECT b.task_id FROM sokka_tasks b WHERE b.blocker = NEW.task_id AND ${bad("b.status")}`;
/** The tasks a re-run of NEW re-arms: those its ending ended, whose key is free. */
const REARMED_BY_NEW = `SELECT task_id FROM sokka_tasks WHERE blocker = NEW.task_id AND ${
  bad("status")
} AND ${HOLD_FREE}`;

/** Dependants of NEW and of the tasks `of` selects. */
const dependantsOf = (of: string) =>
  `SELECT dependant FROM sokka_deps WHERE dependency = NEW.task_id
      UNION SELECT d.dependant FROM sokka_deps d WHERE d.dependency IN (${of})`;
/**
 * How many of this dependant's dependencies are NEW or among `of`: two
 * searches of the primary key (dependant, dependency), never a walk of all
 * of a dependant's edges (a group's follow-up has one per task of the group).
 */
const edgesFrom = (of: string) =>
  `((SELECT count(*) FROM sokka_deps d WHERE d.dependant = sokka_tasks.task_id AND d.dependency = NEW.task_id)
      + (SELECT count(*) FROM sokka_deps d WHERE d.dependant = sokka_tasks.task_id AND d.dependency IN (${of})))`;

/** The statements of the trigger, in order. */
const STEPS = [
  // 1. NEW ended failed or cancelled: its blocked dependants whose policy is not "run" end too, through every level
  `UPDATE sokka_tasks SET status = CASE ${policy()} WHEN 'cancel' THEN 'cancelled' ELSE 'failed' END,
      error = 'dependency ' || NEW.task_id || ' ended ' || NEW.status, blocker = NEW.task_id, ready_at = NULL, ${TOUCH}
    WHERE ${bad("NEW.status")} AND NOT ${final("OLD.status")} AND task_id IN (
      WITH RECURSIVE down(id) AS (
        SELECT d.dependant FROM sokka_deps d JOIN sokka_tasks t ON t.task_id = d.dependant
          WHERE d.dependency = NEW.task_id AND ${ENDS_WITH}
        UNION
        SELECT d.dependant FROM down JOIN sokka_deps d ON d.dependency = down.id JOIN sokka_tasks t ON t.task_id = d.dependant
          WHERE ${ENDS_WITH})
      SELECT id FROM down)`,
  // 2. one dependency fewer to wait for, per edge from NEW and from every task step 1 ended
  `UPDATE sokka_tasks SET deps_left = deps_left - ${edgesFrom(ENDED_BY_NEW)}
    WHERE ${ENDED} AND task_id IN (${dependantsOf(ENDED_BY_NEW)})`,
  // 3. those with none left start, unless a dependency failed and their policy is not "run"
  `UPDATE sokka_tasks SET status = 'starting', ready_at = ${FIRED_AT}, ${TOUCH}
    WHERE ${ENDED} AND status = 'blocked' AND deps_left = 0 AND task_id IN (${dependantsOf(ENDED_BY_NEW)})
      AND (${policy()} = 'run' OR NOT EXISTS (
        SELECT 1 FROM sokka_deps d JOIN sokka_tasks t ON t.task_id = d.dependency
        WHERE d.dependant = sokka_tasks.task_id AND ${bad("t.status")}))`,
  // 4. NEW re-run: its dependants, and those of the tasks it re-arms, wait for one more
  `UPDATE sokka_tasks SET deps_left = deps_left + ${edgesFrom(REARMED_BY_NEW)}
    WHERE ${RERUN} AND task_id IN (${dependantsOf(REARMED_BY_NEW)})`,
  // 5. the tasks NEW's ending ended wait again (a re-run of theirs), unless another task holds their key
  `UPDATE sokka_tasks SET status = 'blocked', blocker = NULL, failures = 0, result = NULL, ready_at = NULL, ${TOUCH}
    WHERE ${RERUN} AND task_id IN (${REARMED_BY_NEW})`,
  `UPDATE sokka_tasks SET blocker = NULL WHERE ${RERUN} AND blocker = NEW.task_id`,
];

/** The trigger (schema.ts creates it). */
export const DEPENDANTS_TRIGGER = `CREATE TRIGGER sokka_dependants AFTER UPDATE OF status ON sokka_tasks
  WHEN NEW.dependants = 1 AND NEW.status <> OLD.status
  BEGIN
    ${STEPS.join(";\n    ")};
  END`;

/**
 * Pruning (only final tasks are deleted): a pruned dependant's edges go with
 * it; a pruned follow-up unseals its group; a pruned dependency's edges go
 * too (its ending was counted; a new task may take its id later and must not
 * be taken for it), and a dependant still `blocked` on it after it ended
 * failed or cancelled (a re-armed one, waiting for its re-run, which can no
 * longer come) ends as its policy says. Such a dependant's `updated_at` is
 * the database clock's own time: a DELETE sets no time for a trigger to
 * read, and a `TestClock`'s offset does not reach a trigger.
 */
export const PRUNED_TRIGGER = `CREATE TRIGGER sokka_task_pruned AFTER DELETE ON sokka_tasks
  WHEN OLD.deps IS NOT NULL OR OLD.dependants = 1
  BEGIN
    DELETE FROM sokka_deps WHERE dependant = OLD.task_id;
    DELETE FROM sokka_groups WHERE task_group_id = json_extract(OLD.deps, '$.group') AND follow_up = OLD.task_id;
    UPDATE sokka_tasks SET status = CASE ${policy()} WHEN 'cancel' THEN 'cancelled' ELSE 'failed' END,
        error = 'dependency ' || OLD.task_id || ' ended ' || OLD.status || ' and was pruned', blocker = NULL,
        ready_at = NULL, ${PRUNE_TOUCH}
      WHERE ${bad("OLD.status")} AND status = 'blocked' AND ${policy()} <> 'run'
        AND task_id IN (SELECT dependant FROM sokka_deps WHERE dependency = OLD.task_id);
    DELETE FROM sokka_deps WHERE dependency = OLD.task_id;
  END`;

/**
 * A page of the tasks on one side of ?1's edges (`side` "dependency": what
 * ?1 depends on; "dependant": what depends on ?1), in id order after ?2 (''
 * from the start), or walking back before ?2 (`back`), ?3 rows at most.
 * Pruned tasks have no row to join: they are left out.
 */
export function edgePage(side: "dependency" | "dependant", back: boolean): string {
  const other = side === "dependency" ? "dependant" : "dependency";
  return `SELECT ${side} AS k, ${COLUMNS}
  FROM sokka_deps JOIN sokka_tasks ON task_id = ${side}
  WHERE ${other} = ?1 AND ${side} ${back ? "<" : ">"} ?2
  ORDER BY ${side}${back ? " DESC" : ""} LIMIT ?3`;
}
