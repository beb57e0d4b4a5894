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

/** Cancels the executions in `running` whose task the store reports cancelled; the returned function stops. */
export function followCancels(taskq: TaskQ, running: ReadonlySet<Execution>): () => void {
  if (typeof taskq.watchCancels !== "function") return () => {};
  return taskq.watchCancels(
    () => Array.from(running, (ex) => ex.task.taskId),
    (taskId, reason) => {
      for (const ex of running) {
        if (ex.task.taskId === taskId) ex.cancel(`task ${taskId} was cancelled${reason ? `: ${reason}` : ""}`);
      }
    },
  );
}
