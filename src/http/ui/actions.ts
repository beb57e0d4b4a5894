/**
 * What the dashboard's buttons do: one table for a task's actions, one for
 * a topic's and one for a schedule's, each entry holding the action, its past tense (the
 * `?notice=` key of the page it redirects to) and that notice's text.
 *
 * @module
 */

import * as v from "valibot";
import { TaskError } from "../../errors.ts";
import type { TaskQ } from "../../types.ts";
import { fieldsOrThrow, required, trimmed } from "./form-fields.ts";

/** Who the dashboard's own writes are done as (transitions out of starting/snoozed do not check it). */
const DASHBOARD_PID = "sokka-dashboard";

/** A form's fields as Hono reads them. */
export type Form = Record<string, unknown>;

/** One action of the dashboard on `T` (a task id, a topic). */
export interface Action<T> {
  /** Its past tense: the key of the notice shown after it. */
  done: string;
  /** That notice. */
  notice: string;
  run(taskq: TaskQ, target: T, form: Form): Promise<unknown>;
}

const FailForm = v.object({ reason: required(trimmed) });
const CancelForm = v.object({ cancelReason: trimmed });

/** A task's actions, by the last segment of their path (`POST /ui/tasks/:taskId/:action`). */
export const TASK_ACTIONS: Record<string, Action<string>> = {
  revoke: {
    done: "revoked",
    notice: "Lease revoked: the task is starting again and any worker can take it.",
    run: (taskq, id, f) => taskq.revokeLease(id, Number(f.recordVer)),
  },
  terminate: {
    done: "terminated",
    notice: "Task marked terminated.",
    run: (taskq, id) => taskq.terminate(id, DASHBOARD_PID),
  },
  fail: {
    done: "failed",
    notice: "Task marked failed.",
    run: (taskq, id, f) => {
      const { reason } = fieldsOrThrow(FailForm, f, "a reason is required to mark a task failed");
      return taskq.fail(id, DASHBOARD_PID, `marked failed from the dashboard: ${reason}`);
    },
  },
  cancel: {
    done: "cancelled",
    notice: "Task cancelled. If it was running, its worker aborts it at its next keepalive.",
    run: (taskq, id, f) => {
      const { cancelReason } = v.parse(CancelForm, f); // (a trimmed text field refuses nothing)
      return taskq.cancelTask(
        id,
        cancelReason ? `cancelled from the dashboard: ${cancelReason}` : "cancelled from the dashboard",
      );
    },
  },
  hold: {
    done: "held",
    notice: "Task held: no worker will take it until it is released.",
    run: (taskq, id) => taskq.holdTask(id),
  },
  release: {
    done: "released",
    notice: "Task released: any worker can take it now.",
    run: (taskq, id) => taskq.releaseTask(id),
  },
  retry: {
    done: "retried",
    notice: "Task re-run, with its attempts afresh: it is starting again, or blocked while it waits for a dependency.",
    run: (taskq, id) => taskq.retryTask(id),
  },
};

/** A topic's actions (`POST /ui/topics/:topic/:action`, or the topic in the form: `POST /ui/topics/:action`). */
export const TOPIC_ACTIONS: Record<string, Action<string>> = {
  pause: {
    done: "paused",
    notice: "Topic paused: no worker or drain reserves its tasks until it is resumed.",
    run: (taskq, topic) => taskq.pauseTopic(topic),
  },
  resume: {
    done: "resumed",
    notice: "Topic resumed.",
    run: (taskq, topic) => taskq.resumeTopic(topic),
  },
  "remove-limits": {
    done: "limits-removed",
    notice: "Limits removed: its tasks are reserved as fast as workers ask.",
    run: (taskq, topic) => taskq.setTopicLimits(topic, null),
  },
};

/** The notice after the topic page's limits form is sent (`POST /ui/topics/limits`). */
export const LIMITS_SET = {
  done: "limits-set",
  notice: "Limits set: every process obeys them from its next reservation.",
} as const;

/** A schedule's actions (`POST /ui/schedules/:action`, the schedule's name in the form). */
export const SCHEDULE_ACTIONS: Record<string, Action<string>> = {
  pause: {
    done: "schedule-paused",
    notice: "Schedule paused: none of its slots fires until it is resumed.",
    run: (taskq, name) => taskq.pauseSchedule(name),
  },
  resume: {
    done: "schedule-resumed",
    notice: "Schedule resumed: it fires from its first slot after now.",
    run: (taskq, name) => taskq.resumeSchedule(name),
  },
};

/** The action `name` of `table`, or a 404 `route-not-found`. */
export function actionOf<T>(table: Record<string, Action<T>>, name: string): Action<T> {
  if (Object.hasOwn(table, name)) return table[name];
  throw new TaskError("not-found", "route-not-found", `no dashboard action ${name}`);
}
