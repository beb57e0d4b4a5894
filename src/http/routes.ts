/**
 * `sokkaRoutes()`: the queue as a Hono app — the JSON API and the
 * pull-consumer routes (any HTTP client can be a worker, fenced by
 * `leaseId`). Mount it where you like: `app.route("/sokka", sokkaRoutes({ taskq }))`.
 *
 * @module
 */

import { vValidator } from "@hono/valibot-validator";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as v from "valibot";
import { invalid, TaskDefSchema, toIssue } from "../schemas.ts";
import type { TaskQ } from "../types.ts";
import { errorResponse, onError } from "./errors.ts";
import { uiRoutes } from "./ui/routes.ts";
import { CompleteBody, ExtendBody, FailBody, ListQuery, ReserveBody, RevokeBody, SnoozeBody } from "./schemas.ts";

/** Options of `sokkaRoutes`. */
export interface SokkaRoutesOptions {
  /** The store the routes read and write. */
  taskq: TaskQ;
  /** Largest accepted request body in bytes. Default 1.5 MiB (room for the store's default 1 MiB of data). */
  maxBodyBytes?: number;
}

/** A validator that refuses with the store's `bad-request/invalid-task` (every field named). */
const valid = <T extends "json" | "query", S extends v.GenericSchema>(target: T, schema: S) =>
  vValidator(target, schema, (result) => {
    if (!result.success) throw invalid(`invalid ${target === "json" ? "body" : "query"}`, result.issues.map(toIssue));
  });

/**
 * The routes of API.md as a Hono app.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createTaskQ } from "sokka";
 * import { sokkaRoutes } from "sokka/http";
 * const app = new Hono();
 * app.route("/sokka", sokkaRoutes({ taskq: createTaskQ({ url: "file:sokka.db" }) }));
 * export default app;
 * ```
 */
export function sokkaRoutes(options: SokkaRoutesOptions): Hono {
  const { taskq } = options;
  const maxSize = options.maxBodyBytes ?? 1_572_864;
  const app = new Hono();
  app.onError(onError);
  app.notFound((c) =>
    errorResponse(c, 404, {
      type: "not-found",
      code: "route-not-found",
      message: `no route ${c.req.method} ${c.req.path}`,
    })
  );
  app.use(
    "*",
    bodyLimit({
      maxSize,
      onError: (c) =>
        errorResponse(c, 413, {
          type: "too-large",
          code: "data-too-large",
          message: `request body over ${maxSize} bytes`,
        }),
    }),
  );

  app.route("/ui", uiRoutes(taskq));

  app.post(
    "/tasks",
    valid("json", TaskDefSchema),
    async (c) => c.json(await taskq.createTask(c.req.valid("json")), 201),
  );
  app.get("/tasks", valid("query", ListQuery), async (c) => {
    const { limit, cursor, ...filters } = c.req.valid("query");
    return c.json(await taskq.listTasks(filters, { limit, cursor }));
  });
  app.get("/tasks/:taskId", async (c) => {
    const t = await taskq.task(c.req.param("taskId"));
    if (!t) {
      return errorResponse(c, 404, {
        type: "not-found",
        code: "task-not-found",
        message: `no task ${c.req.param("taskId")}`,
      });
    }
    return c.json(t);
  });
  app.get("/groups/:taskGroupId/tasks", async (c) => c.json(await taskq.tasks(c.req.param("taskGroupId"))));
  app.post(
    "/tasks/:taskId/revoke",
    valid("json", RevokeBody),
    async (c) => c.json(await taskq.revokeLease(c.req.param("taskId"), c.req.valid("json").recordVer)),
  );

  // pull consumers
  app.post("/topics/:topic/reserve", valid("json", ReserveBody), async (c) => {
    const { pid, leaseTimeMs } = c.req.valid("json");
    const t = await taskq.reserveTask(c.req.param("topic"), pid, { leaseTimeMs });
    return t ? c.json(t) : c.body(null, 204);
  });
  app.post("/tasks/:taskId/extend", valid("json", ExtendBody), async (c) => {
    const { pid, leaseId, leaseTimeMs } = c.req.valid("json");
    await taskq.extendLease(c.req.param("taskId"), pid, { leaseId, leaseTimeMs });
    return c.body(null, 204);
  });
  app.post("/tasks/:taskId/complete", valid("json", CompleteBody), async (c) => {
    const { pid, leaseId } = c.req.valid("json");
    return c.json(await taskq.terminate(c.req.param("taskId"), pid, { leaseId }));
  });
  app.post("/tasks/:taskId/fail", valid("json", FailBody), async (c) => {
    const { pid, leaseId, errorMessage } = c.req.valid("json");
    return c.json(await taskq.fail(c.req.param("taskId"), pid, errorMessage, { leaseId }));
  });
  app.post("/tasks/:taskId/snooze", valid("json", SnoozeBody), async (c) => {
    const { pid, leaseId, snoozeTime } = c.req.valid("json");
    return c.json(await taskq.snooze(c.req.param("taskId"), pid, snoozeTime, { leaseId }));
  });
  return app;
}
