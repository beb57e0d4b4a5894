/**
 * Creating and reading tasks: `POST /tasks` (unique keys, dependencies),
 * `POST /tasks/batch` (flows), `GET /tasks`, `GET /tasks/:taskId`,
 * `GET /groups/:taskGroupId/tasks`.
 *
 * @module
 */

import { TaskError } from "../../errors.ts";
import { checkDefined } from "../../typed/by-topic.ts";
import { errorResponse } from "../errors.ts";
import { enqueuedMany, ref } from "../answers.ts";
import { BatchBody, GroupQuery, ListQuery, MAX_BATCH } from "../schemas.ts";
import { TaskBody } from "../task-bodies.ts";
import { type Operation, operation } from "./operation.ts";

/**
 * A refusal of `createTasks` as `POST /tasks/batch` answers it: each issue's
 * path in the body's terms, `tasks.<index>.<field>` (the index from
 * `details.index`, or already leading the path, as for a repeated `taskId`).
 */
function inBatch(e: unknown): unknown {
  if (!(e instanceof TaskError) || !e.issues) return e;
  const index = (e.details as { index?: unknown } | undefined)?.index;
  const at = typeof index === "number" ? `tasks.${index}` : "tasks";
  const issues = e.issues.map((i) => ({ path: i.path ? `${at}.${i.path}` : at, message: i.message }));
  const message = `body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  return new TaskError(e.type, e.code, message, { details: e.details, issues, cause: e.cause });
}

/** The routes that create and read tasks, in the document's order. */
export const TASKS: Operation[] = [
  operation({
    method: "post",
    path: "/tasks",
    id: "createTask",
    summary: "Create a task (deduplicated by its uniqueKey; blocked until its dependsOn end)",
    tag: "tasks",
    body: {
      schema: TaskBody,
      code: "invalid-task",
      example: { topic: "email", data: { to: "ada@example.com" }, maxAttempts: 3 },
      arrayHint: "many tasks go to POST /tasks/batch as { tasks: [...] }",
    },
    ok: {
      status: 201,
      schema: ref("Task"),
      description: "the task as stored (status blocked while a task it depends on has not ended)",
      also200: "deduplicated: its uniqueKey is held, so nothing was created; the task that holds it " +
        "(a debounce's with the new data and run time)",
    },
    errors: [400, 409, 413, 415],
    errorText: {
      400: "bad input: `issues` names each refused field (a task of `dependsOn` that does not exist: " +
        "`dependsOn.<index>`); nothing was written",
      409: 'a task with this `taskId` already exists (task-already-exists), or, with `onDuplicate: "error"`, ' +
        "its uniqueKey is held (duplicate-task, the message names the holder); nothing was written",
    },
    handle: async (c, { body }, { taskq, definitions }) => {
      await checkDefined(definitions, [body], "body");
      const { task, deduplicated } = await taskq.enqueue(body);
      return c.json(task, deduplicated ? 200 : 201);
    },
  }),
  operation({
    method: "post",
    path: "/tasks/batch",
    id: "createTasks",
    summary: `Create 1 to ${MAX_BATCH} tasks at once, all or none: a flow when they depend on each other`,
    tag: "tasks",
    body: {
      schema: BatchBody,
      code: "invalid-task",
      example: {
        tasks: [
          { topic: "email", ref: "ada", data: { to: "ada@example.com" } },
          { topic: "email", ref: "alan", data: { to: "alan@example.com" }, priority: -1 },
          { topic: "report", data: { sent: 2 }, dependsOn: [{ ref: "ada" }, { ref: "alan" }] },
        ],
      },
    },
    ok: {
      status: 201,
      schema: enqueuedMany,
      description: "the tasks as stored, in the order given (each deduplicated one: the task that holds its " +
        "uniqueKey; `deduplicated` lists their indexes)",
    },
    errors: [400, 409, 413, 415],
    errorText: {
      400: "bad input: `issues` names each refused field by its item, `tasks.<index>.<field>` (a dependency that " +
        "does not exist, names no `ref` of the batch or makes a cycle: `tasks.<index>.dependsOn.<j>`); " +
        "nothing was written",
      409: "a `taskId` given already exists (task-already-exists, the message names them), or an item with " +
        '`onDuplicate: "error"` has its uniqueKey held (duplicate-task); nothing was written',
      413: "the body is over `maxBodyBytes` (default 1.5 MiB), or an item's `data` over the store's `maxDataBytes` " +
        "(`issues` names it, `tasks.<index>.data`); nothing was written",
    },
    // each refusal names its item as the body does (tasks.3.topic)
    handle: async (c, { body }, { taskq, definitions }) => {
      try {
        await checkDefined(definitions, body.tasks, "body", true);
        return c.json(await taskq.enqueueMany(body.tasks), 201);
      } catch (e) {
        throw inBatch(e);
      }
    },
  }),
  operation({
    method: "get",
    path: "/tasks",
    id: "listTasks",
    summary: "List tasks, a page at a time",
    tag: "tasks",
    query: { schema: ListQuery, example: { topic: "email", limit: "50", order: "desc" } },
    ok: { status: 200, schema: ref("Page"), description: "a page and the cursors around it" },
    errors: [400],
    handle: async (c, { query }, { taskq }) => {
      const { limit, cursor, order, ...filters } = query;
      return c.json(await taskq.listTasks(filters, { limit, cursor, order }));
    },
  }),
  operation({
    method: "get",
    path: "/tasks/:taskId",
    id: "getTask",
    summary: "Read one task",
    tag: "tasks",
    ok: { status: 200, schema: ref("Task"), description: "the task" },
    errors: [404],
    handle: async (c, _, { taskq }) => {
      const t = await taskq.task(c.req.param("taskId"));
      if (t) return c.json(t);
      return errorResponse(c, 404, {
        type: "not-found",
        code: "task-not-found",
        message: `no task ${c.req.param("taskId")}`,
      });
    },
  }),
  operation({
    method: "get",
    path: "/groups/:taskGroupId/tasks",
    id: "groupTasks",
    summary: "The tasks of a group, a page at a time (ordered and paged as GET /tasks)",
    tag: "tasks",
    query: { schema: GroupQuery, example: { limit: "50" } },
    ok: { status: 200, schema: ref("Page"), description: "a page of the group and the cursors around it" },
    errors: [400],
    handle: async (c, { query: { limit, cursor, order } }, { taskq }) =>
      c.json(await taskq.listTasks({ taskGroupId: c.req.param("taskGroupId") }, { limit, cursor, order })),
  }),
];
