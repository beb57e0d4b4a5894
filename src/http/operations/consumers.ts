/**
 * The pull consumers' routes: any HTTP client can be a worker. Every write
 * names the reservation it belongs to (`pid` and `leaseId`), so only the
 * holder of a live reservation can finish a task.
 *
 * @module
 */

import type * as v from "valibot";
import type { Task } from "../../types.ts";
import { ref, taskList } from "../answers.ts";
import { CompleteBody, ExtendBody, FailBody, ReserveBody, SnoozeBody, WritesBody } from "../schemas.ts";
import { type Deps, type Operation, operation } from "./operation.ts";
import { taskWrite } from "./task-write.ts";

/** `POST /tasks/:taskId/<name>`: a write fenced by its reservation, answered with the task as written. */
function fenced<B extends v.GenericSchema>(
  name: string,
  id: string,
  summary: string,
  schema: B,
  extra: Record<string, unknown>,
  run: (taskq: Deps["taskq"], taskId: string, body: v.InferOutput<B>) => Promise<Task>,
): Operation {
  const example = { pid: "consumer-1", leaseId: "LEASE_ID", ...extra };
  const errors = [400, 403, 404, 409, 415];
  return taskWrite({ name, id, summary, tag: "pull consumers", body: { schema, example }, errors, run });
}

/** The pull consumers' routes, in the document's order. */
export const CONSUMERS: Operation[] = [
  operation({
    method: "post",
    path: "/topics/:topic/reserve",
    id: "reserve",
    summary: "Reserve a task (or up to n), optionally waiting for one (a long poll)",
    tag: "pull consumers",
    body: { schema: ReserveBody, example: { pid: "consumer-1", leaseTimeMs: 30_000 } },
    ok: {
      status: 200,
      schema: {
        oneOf: [ref("Task"), {
          type: "object",
          properties: { tasks: taskList },
          required: ["tasks"],
          additionalProperties: false,
        }],
      },
      also204: true,
      description: "the task (or { tasks } with n); 204: none within waitMs",
    },
    errors: [400, 415],
    // With waitMs, a long poll: answered as soon as a task is reserved, or 204 at the deadline; a client that
    // goes away stops the wait (the request's signal), and a task reserved for it just then is handed back.
    handle: async (c, { body: { pid, leaseTimeMs, waitMs = 0, n } }, { taskq }) => {
      const topic = c.req.param("topic");
      const signal = c.req.raw.signal ?? new AbortController().signal; // (older workerd: no request signal)
      const deadline = Date.now() + waitMs;
      // with n: up to n tasks in one statement, answered as { tasks } (empty at the deadline)
      const answer = (ts: Task[]) =>
        n === undefined ? (ts.length ? c.json(ts[0]) : c.body(null, 204)) : c.json({ tasks: ts });
      for (;;) {
        const ts = n === undefined
          ? await taskq.reserveTask(topic, pid, { leaseTimeMs }).then((t) => (t ? [t] : []))
          : await taskq.reserveTasks(topic, pid, n, { leaseTimeMs });
        if (ts.length && signal.aborted) {
          // nobody to answer: hand them back, else their leases run out first
          await Promise.all(ts.map((t) => taskq.revokeLease(t.taskId, t.recordVer).catch(() => {})));
          return answer([]);
        }
        const left = deadline - Date.now();
        if (ts.length || left <= 0 || signal.aborted) return answer(ts);
        await taskq.waitForTask(topic, { timeoutMs: left, signal });
      }
    },
  }),
  operation({
    method: "post",
    path: "/writes",
    id: "applyWrites",
    summary: "A tick's outcomes and keepalives, each fenced by its own reservation",
    tag: "pull consumers",
    body: {
      schema: WritesBody,
      example: { writes: [{ op: "terminate", taskId: "TASK_ID", pid: "consumer-1", leaseId: "LEASE_ID" }] },
    },
    ok: {
      status: 200,
      schema: {
        type: "object",
        properties: {
          results: {
            type: "array",
            items: {
              oneOf: [
                { type: "object", properties: { task: ref("Task") }, required: ["task"] },
                { type: "object", properties: { error: { type: "object" } }, required: ["error"] },
              ],
            },
          },
        },
        required: ["results"],
      },
      description: "one result per write, in order",
    },
    errors: [400, 413, 415],
    // each write answered on its own
    handle: async (c, { body }, { taskq }) => {
      const results = await taskq.applyWrites(body.writes);
      return c.json({
        results: results.map((r) =>
          r.error
            ? { error: { type: r.error.type, code: r.error.code, message: r.error.message, status: r.error.status } }
            : { task: r.task }
        ),
      });
    },
  }),
  operation({
    method: "post",
    path: "/tasks/:taskId/extend",
    id: "extendLease",
    summary: "Keep a reservation alive",
    tag: "pull consumers",
    body: { schema: ExtendBody, example: { pid: "consumer-1", leaseId: "LEASE_ID" } },
    ok: { status: 204, description: "the lease is extended" },
    errors: [400, 403, 404, 409, 415],
    handle: async (c, { body: { pid, leaseId, leaseTimeMs } }, { taskq }) => {
      await taskq.extendLease(c.req.param("taskId"), pid, { leaseId, leaseTimeMs });
      return c.body(null, 204);
    },
  }),
  fenced(
    "complete",
    "complete",
    "Complete a reserved task",
    CompleteBody,
    { result: { sent: true } },
    (taskq, taskId, { pid, leaseId, result }) => taskq.terminate(taskId, pid, { leaseId, result }),
  ),
  fenced(
    "fail",
    "fail",
    "Fail a reserved task's attempt",
    FailBody,
    { errorMessage: "mailbox full" },
    (taskq, taskId, { pid, leaseId, errorMessage, retry }) => taskq.fail(taskId, pid, errorMessage, { leaseId, retry }),
  ),
  fenced(
    "snooze",
    "snooze",
    "Snooze a reserved task (holdTopic: and hold its topic back, as rateLimited() does)",
    SnoozeBody,
    { snoozeTime: 60_000 },
    async (taskq, taskId, { pid, leaseId, snoozeTime, holdTopic }) => {
      if (!holdTopic) return taskq.snooze(taskId, pid, snoozeTime, { leaseId });
      // rateLimited(): the same snooze, holding the topic back too (a write only applyWrites carries)
      const [r] = await taskq.applyWrites([{ op: "snooze", taskId, pid, leaseId, snoozeTime, holdTopic }]);
      if (r.error) throw r.error;
      return r.task;
    },
  ),
];
