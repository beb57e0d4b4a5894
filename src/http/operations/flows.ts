/**
 * Dependencies and group follow-ups over HTTP: a task's dependencies and
 * dependants a page at a time, sealing a group with its follow-up, and
 * reading that follow-up. Unique tasks and flows are created by `POST /tasks`
 * and `POST /tasks/batch` (tasks.ts).
 *
 * @module
 */

import type { Context } from "hono";
import { TaskError } from "../../errors.ts";
import { checkDefined } from "../../typed/by-topic.ts";
import { enqueued, ref } from "../answers.ts";
import { errorResponse } from "../errors.ts";
import { EdgeQuery } from "../schemas.ts";
import { FollowUpBody } from "../task-bodies.ts";
import { type Operation, operation } from "./operation.ts";

/** 404 `task-not-found`: `message` says which task is missing. */
const taskNotFound = (c: Context, message: string) =>
  errorResponse(c, 404, { type: "not-found", code: "task-not-found", message });

/**
 * A refusal of `sealGroup` in the body's terms: its issues name the
 * follow-up's fields (`followUp.taskId`) as the body has them (`taskId`).
 */
function inBody(e: unknown): unknown {
  if (!(e instanceof TaskError) || !e.issues?.some((i) => i.path.startsWith("followUp."))) return e;
  const issues = e.issues.map((i) => ({ path: i.path.replace(/^followUp\./, ""), message: i.message }));
  const message = `body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  return new TaskError(e.type, e.code, message, { details: e.details, issues, cause: e.cause });
}

/** `GET /tasks/:taskId/<side>`: a page of the task's dependencies or dependants; 404 when there is no such task. */
function edges(side: "dependencies" | "dependants", summary: string, description: string): Operation {
  return operation({
    method: "get",
    path: `/tasks/:taskId/${side}`,
    id: side === "dependencies" ? "listDependencies" : "listDependants",
    summary,
    tag: "tasks",
    query: { schema: EdgeQuery, example: { limit: "50" } },
    ok: { status: 200, schema: ref("Page"), description },
    errors: [400, 404],
    handle: async (c, { query: { limit, cursor } }, { taskq }) => {
      const taskId = c.req.param("taskId");
      const page = await taskq[side](taskId, { limit, cursor });
      // an empty first page: the task may not exist (one read, only then)
      if (!page.data.length && !cursor && !(await taskq.task(taskId))) {
        return taskNotFound(c, `no task ${taskId}`);
      }
      return c.json(page);
    },
  });
}

/** The routes of dependencies and group follow-ups, in the document's order. */
export const FLOWS: Operation[] = [
  edges(
    "dependencies",
    "The tasks a task depends on (dependsOn, or a follow-up's group), with their results, a page at a time",
    "a page of its dependencies in taskId order (pruned ones left out) and the cursors around it",
  ),
  edges(
    "dependants",
    "The tasks that depend on a task (its group's follow-up included), a page at a time",
    "a page of its dependants in taskId order and the cursors around it",
  ),
  operation({
    method: "post",
    path: "/groups/:taskGroupId/seal",
    id: "sealGroup",
    summary: "Seal a group: its follow-up task runs once every task the group has now has ended (made once)",
    tag: "tasks",
    body: {
      schema: FollowUpBody,
      code: "invalid-task",
      example: { topic: "notify", data: { album: 7 } },
    },
    ok: {
      status: 201,
      schema: enqueued,
      description: "sealed now: the follow-up as stored (blocked while a task of the group has not ended), " +
        "`deduplicated: false`",
      also200: "sealed already: the group's follow-up, `deduplicated: true` (nothing was written)",
    },
    errors: [400, 404, 409, 413, 415],
    errorText: {
      400: "bad input: `issues` names each refused field (a `taskGroupId` that is the sealed group's); " +
        "nothing was written",
      404: "the group has no tasks (group-not-found)",
      409: "a task with this `taskId` already exists (task-already-exists); nothing was written",
    },
    handle: async (c, { body }, { taskq, definitions }) => {
      await checkDefined(definitions, [body], "body");
      try {
        const answer = await taskq.sealGroup(c.req.param("taskGroupId"), body);
        return c.json(answer, answer.deduplicated ? 200 : 201);
      } catch (e) {
        throw inBody(e);
      }
    },
  }),
  operation({
    method: "get",
    path: "/groups/:taskGroupId/follow-up",
    id: "groupFollowUp",
    summary: "Read a sealed group's follow-up task",
    tag: "tasks",
    ok: { status: 200, schema: ref("Task"), description: "the follow-up" },
    errors: [400, 404],
    errorText: { 404: "the group is not sealed: it has no follow-up (task-not-found)" },
    handle: async (c, _, { taskq }) => {
      const taskGroupId = c.req.param("taskGroupId");
      const t = await taskq.groupFollowUp(taskGroupId);
      if (t) return c.json(t);
      return taskNotFound(c, `group ${taskGroupId} has no follow-up: it is not sealed`);
    },
  }),
];
