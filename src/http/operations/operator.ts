/**
 * An operator's actions on tasks: cancel, hold, release, retry, revoke a
 * lease, prune. Each is one guarded statement of the store; a refused one is
 * 404 or 409 with its code.
 *
 * @module
 */

import type * as v from "valibot";
import type { Task, TaskQ } from "../../types.ts";
import { ref } from "../answers.ts";
import { CancelBody, EmptyBody, PruneBody, RevokeBody } from "../schemas.ts";
import { type Operation, operation } from "./operation.ts";
import { taskWrite } from "./task-write.ts";

/** `POST /tasks/:taskId/<name>`: an action whose body is optional, answered with the task as written. */
function action<B extends v.GenericSchema>(
  name: string,
  id: string,
  summary: string,
  schema: B,
  example: Record<string, unknown>,
  run: (taskq: TaskQ, taskId: string, body: v.InferOutput<B>) => Promise<Task>,
): Operation {
  const errors = [400, 404, 409, 415];
  return taskWrite({ name, id, summary, tag: "operator", body: { schema, optional: true, example }, errors, run });
}

/** The actions on one task, in the document's order. */
export const ACTIONS: Operation[] = [
  action(
    "cancel",
    "cancelTask",
    "Cancel a task (a running one at its worker's next keepalive)",
    CancelBody,
    { reason: "not needed any more" },
    (taskq, taskId, { reason }) => taskq.cancelTask(taskId, reason),
  ),
  action(
    "hold",
    "holdTask",
    "Hold a waiting task: no worker takes it until released",
    EmptyBody,
    {},
    (taskq, taskId) => taskq.holdTask(taskId),
  ),
  action("release", "releaseTask", "Release a held task", EmptyBody, {}, (taskq, taskId) => taskq.releaseTask(taskId)),
  action(
    "retry",
    "retryTask",
    "Re-run a failed or cancelled task (same id, history kept)",
    EmptyBody,
    {},
    (taskq, taskId) => taskq.retryTask(taskId),
  ),
  operation({
    method: "post",
    path: "/tasks/:taskId/revoke",
    id: "revokeLease",
    summary: "Hand a running task back (its recordVer as read)",
    tag: "operator",
    body: { schema: RevokeBody, example: { recordVer: 2 } },
    ok: { status: 200, schema: ref("Task"), description: "the task, starting again" },
    errors: [400, 404, 409, 415],
    handle: async (c, { body }, { taskq }) => c.json(await taskq.revokeLease(c.req.param("taskId"), body.recordVer)),
  }),
];

/** `POST /prune`: delete finished tasks not updated for a while. */
export const PRUNE: Operation = operation({
  method: "post",
  path: "/prune",
  id: "pruneTasks",
  summary: "Delete finished tasks not updated for a while",
  tag: "operator",
  body: { schema: PruneBody, example: { olderThanMs: 604_800_000, statuses: ["terminated"] } },
  ok: {
    status: 200,
    schema: { type: "object", properties: { deleted: { type: "integer" } }, required: ["deleted"] },
    description: "how many were deleted",
  },
  errors: [400, 415],
  handle: async (c, { body }, { taskq }) => c.json({ deleted: await taskq.pruneTasks(body) }),
});
