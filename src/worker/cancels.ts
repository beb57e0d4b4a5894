/**
 * A running task that is cancelled stops at once, not at its next
 * keepalive: the worker (or drain) follows its store's cancels for the
 * tasks it runs (see `TaskQ.watchCancels`). Costs nothing per tick: the
 * running ids are read only when a cancel may have happened.
 *
 * @module
 */

import type { TaskQ } from "../types.ts";
import type { Execution } from "./execution.ts";

/** Tasks reserved but not started (a worker's tasks reserved ahead): their ids, and what a cancel does to one. */
export interface Unstarted {
  ids(): Iterable<string>;
  cancel(taskId: string): void;
}

/**
 * Cancels the executions in `running` (and the `unstarted` tasks) whose task the store reports cancelled;
 * the returned function stops.
 */
export function followCancels(taskq: TaskQ, running: ReadonlySet<Execution>, unstarted?: Unstarted): () => void {
  if (typeof taskq.watchCancels !== "function") return () => {};
  return taskq.watchCancels(
    () => {
      const ids = Array.from(running, (ex) => ex.task.taskId);
      if (unstarted) { for (const id of unstarted.ids()) ids.push(id); }
      return ids;
    },
    (taskId, reason) => {
      unstarted?.cancel(taskId);
      for (const ex of running) {
        if (ex.task.taskId === taskId) ex.cancel(`task ${taskId} was cancelled${reason ? `: ${reason}` : ""}`);
      }
    },
  );
}
