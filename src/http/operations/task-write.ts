/**
 * The shape of a write on one task over HTTP: `POST /tasks/:taskId/<name>`,
 * answered 200 with the task as written (the consumers' fenced writes and
 * the operator's actions).
 *
 * @module
 */

import type * as v from "valibot";
import type { Task, TaskQ } from "../../types.ts";
import { ref } from "../answers.ts";
import { type Operation, operation, type Tag } from "./operation.ts";

/** What differs between two task writes. */
export interface TaskWrite<B extends v.GenericSchema> {
  name: string;
  id: string;
  summary: string;
  tag: Tag;
  body: { schema: B; optional?: true; example: Record<string, unknown> };
  errors: Operation["errors"];
  run: (taskq: TaskQ, taskId: string, body: v.InferOutput<B>) => Promise<Task>;
}

/** `POST /tasks/:taskId/<name>`, answered with the task as written. */
export function taskWrite<B extends v.GenericSchema>(w: TaskWrite<B>): Operation {
  return operation({
    method: "post",
    path: `/tasks/:taskId/${w.name}`,
    id: w.id,
    summary: w.summary,
    tag: w.tag,
    body: w.body,
    ok: { status: 200, schema: ref("Task"), description: "the task as written" },
    errors: w.errors,
    handle: async (c, { body }, { taskq }) => c.json(await w.run(taskq, c.req.param("taskId"), body)),
  });
}
