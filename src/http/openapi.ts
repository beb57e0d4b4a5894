/**
 * The OpenAPI 3.1 document of the routes (`GET /openapi.json`), generated
 * from the same valibot schemas the routes validate requests with (through
 * `@valibot/to-json-schema`), plus schemas of what the routes answer. Each
 * operation carries an example request; the test suite sends one per route
 * and checks the answer against the document.
 *
 * @module
 */

import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { BackoffSchema, Name, STATUSES, TaskDefSchema } from "../schemas.ts";
import {
  ActivityQuery,
  BatchBody,
  CancelBody,
  CompleteBody,
  EmptyBody,
  ExtendBody,
  FailBody,
  GroupQuery,
  ListQuery,
  MAX_BATCH,
  MetricsQuery,
  PruneBody,
  ReserveBody,
  RevokeBody,
  SnoozeBody,
  TopicBody,
  TopicsQuery,
  WritesBody,
} from "./schemas.ts";
import { VERSION } from "../version.ts";

type JsonSchema = Record<string, unknown>;
const json = (schema: v.GenericSchema): JsonSchema => {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    errorMode: "ignore",
    typeMode: "input",
    // maxChars (src/schemas.ts) counts code points, as JSON Schema's maxLength does
    overrideAction: ({ valibotAction, jsonSchema }) => {
      const max = (valibotAction as { maxChars?: number }).maxChars;
      return max === undefined ? undefined : { ...jsonSchema, maxLength: max };
    },
  }) as JsonSchema;
  return rest;
};

// ---- what the routes answer (documentation and the test's check; the store builds these values) ----
const int = v.pipe(v.number(), v.integer());
const str = v.string();
const nullable = <S extends v.GenericSchema>(s: S) => v.nullable(s);
const TaskOut = v.strictObject({
  taskId: str,
  taskGroupId: str,
  taskDescription: nullable(str),
  topic: str,
  subTopic: str,
  status: v.picklist(STATUSES),
  pid: nullable(str),
  lastPid: nullable(str),
  recordVer: int,
  error: nullable(str),
  snoozeTime: nullable(int),
  timeoutMs: nullable(int),
  data: v.unknown(),
  createdAt: int,
  updatedAt: int,
  attempts: int,
  leaseId: nullable(str),
  leaseExpiresAt: nullable(int),
  priority: int,
  maxAttempts: nullable(int),
  backoff: nullable(BackoffSchema),
  failures: int,
  runAt: nullable(int),
  result: v.unknown(),
});
const Counts = v.strictObject({ completed: int, failed: int, retried: int, snoozed: int, cancelled: int });
const TopicStatsOut = v.strictObject({
  topic: str,
  counts: v.strictObject(Object.fromEntries(STATUSES.map((s) => [s, int]))),
  paused: v.boolean(),
  oldestReadyAgeMs: nullable(int),
  totals: Counts,
});
const ErrorOut = v.object({
  error: v.object({
    type: str,
    code: str,
    message: str,
    issues: v.optional(v.array(v.object({ path: str, message: str }))),
    details: v.optional(v.unknown()),
  }),
});

const SCHEMAS: Record<string, JsonSchema> = {
  Task: json(TaskOut),
  Page: json(v.strictObject({ data: v.array(TaskOut), cursor: nullable(str), prevCursor: nullable(str) })),
  TopicStats: json(TopicStatsOut),
  TopicPage: json(v.strictObject({ data: v.array(TopicStatsOut), cursor: nullable(str), prevCursor: nullable(str) })),
  Activity: json(
    v.strictObject({ now: int, minutes: v.array(v.strictObject({ topic: str, minute: int, ...Counts.entries })) }),
  ),
  Error: json(ErrorOut),
};
const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const taskList = { type: "array", items: ref("Task") };

interface Operation {
  method: "get" | "post";
  path: string;
  id: string;
  summary: string;
  tag: "tasks" | "operator" | "topics" | "pull consumers" | "monitoring" | "reference";
  body?: { schema: v.GenericSchema; optional?: true; example: Record<string, unknown> };
  query?: { schema: v.ObjectSchema<v.ObjectEntries, undefined> | v.GenericSchema; example: Record<string, string> };
  ok: {
    status: 200 | 201 | 204;
    schema?: JsonSchema;
    /** A text answer of this media type instead of JSON. */
    text?: "text/plain" | "text/html";
    also204?: true;
    description: string;
  };
  errors: number[];
  /** What an error status means here when it is not what `ERROR_TEXT` says. */
  errorText?: Partial<Record<number, string>>;
}

const T = "{taskId}";
const PULL_ERRORS = [400, 403, 404, 409, 415];
/** Every route of `sokkaRoutes` but the dashboard (`/ui`): method, path, what it takes, what it answers. */
export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/tasks",
    id: "createTask",
    summary: "Create a task",
    tag: "tasks",
    body: { schema: TaskDefSchema, example: { topic: "email", data: { to: "ada@example.com" }, maxAttempts: 3 } },
    ok: { status: 201, schema: ref("Task"), description: "the task as stored" },
    errors: [400, 409, 413, 415],
    errorText: { 409: "a task with this `taskId` already exists (task-already-exists); nothing was written" },
  },
  {
    method: "post",
    path: "/tasks/batch",
    id: "createTasks",
    summary: `Create 1 to ${MAX_BATCH} tasks at once, all or none`,
    tag: "tasks",
    body: {
      schema: BatchBody,
      example: {
        tasks: [
          { topic: "email", data: { to: "ada@example.com" } },
          { topic: "email", data: { to: "alan@example.com" }, priority: -1 },
        ],
      },
    },
    ok: {
      status: 201,
      schema: { type: "object", properties: { tasks: taskList }, required: ["tasks"], additionalProperties: false },
      description: "the tasks as stored, in the order given",
    },
    errors: [400, 409, 413, 415],
    errorText: {
      400: "bad input: `issues` names each refused field by its item, `tasks.<index>.<field>`; nothing was written",
      409: "a `taskId` given already exists (task-already-exists, the message names them); nothing was written",
      413: "the body is over `maxBodyBytes` (default 1.5 MiB), or an item's `data` over the store's `maxDataBytes` " +
        "(`issues` names it, `tasks.<index>.data`); nothing was written",
    },
  },
  {
    method: "get",
    path: "/tasks",
    id: "listTasks",
    summary: "List tasks, a page at a time",
    tag: "tasks",
    query: { schema: ListQuery, example: { topic: "email", limit: "50", order: "desc" } },
    ok: { status: 200, schema: ref("Page"), description: "a page and the cursors around it" },
    errors: [400],
  },
  {
    method: "get",
    path: `/tasks/${T}`,
    id: "getTask",
    summary: "Read one task",
    tag: "tasks",
    ok: { status: 200, schema: ref("Task"), description: "the task" },
    errors: [404],
  },
  {
    method: "get",
    path: "/groups/{taskGroupId}/tasks",
    id: "groupTasks",
    summary: "The tasks of a group, a page at a time (ordered and paged as GET /tasks)",
    tag: "tasks",
    query: { schema: GroupQuery, example: { limit: "50" } },
    ok: { status: 200, schema: ref("Page"), description: "a page of the group and the cursors around it" },
    errors: [400],
  },
  ...([
    ["cancel", "cancelTask", "Cancel a task (a running one at its worker's next keepalive)", CancelBody, {
      reason: "not needed any more",
    }],
    ["hold", "holdTask", "Hold a waiting task: no worker takes it until released", EmptyBody, {}],
    ["release", "releaseTask", "Release a held task", EmptyBody, {}],
    ["retry", "retryTask", "Re-run a failed or cancelled task (same id, history kept)", EmptyBody, {}],
  ] as const).map(([name, id, summary, schema, example]): Operation => ({
    method: "post",
    path: `/tasks/${T}/${name}`,
    id,
    summary,
    tag: "operator",
    body: { schema, optional: true, example },
    ok: { status: 200, schema: ref("Task"), description: "the task as written" },
    errors: [400, 404, 409, 415],
  })),
  {
    method: "post",
    path: `/tasks/${T}/revoke`,
    id: "revokeLease",
    summary: "Hand a running task back (its recordVer as read)",
    tag: "operator",
    body: { schema: RevokeBody, example: { recordVer: 2 } },
    ok: { status: 200, schema: ref("Task"), description: "the task, starting again" },
    errors: [400, 404, 409, 415],
  },
  {
    method: "get",
    path: "/topics",
    id: "topicPage",
    summary: "A page of topics in name order: counts per status, pause, totals, the oldest ready task's age",
    tag: "topics",
    query: { schema: TopicsQuery, example: { limit: "100", prefix: "email" } },
    ok: { status: 200, schema: ref("TopicPage"), description: "a page of topics and the cursors around it" },
    errors: [400],
  },
  ...(["pause", "resume"] as const).map((name): Operation => ({
    method: "post",
    path: `/topics/{topic}/${name}`,
    id: `${name}Topic`,
    summary: name === "pause" ? "Stop all reservation on a topic" : "Let a paused topic's tasks be reserved again",
    tag: "topics",
    body: { schema: EmptyBody, optional: true, example: {} },
    ok: { status: 204, description: "done" },
    errors: [400, 415],
  })),
  ...(["pause", "resume"] as const).map((name): Operation => ({
    method: "post",
    path: `/topics/${name}`,
    id: `${name}TopicNamed`,
    summary: `${name === "pause" ? "Pause" : "Resume"} the topic named in the body: any name, ` +
      "`.` and `..` included, which a URL path cannot carry (clients resolve them, `%2E` too, as dot segments)",
    tag: "topics",
    body: { schema: TopicBody, example: { topic: "email" } },
    ok: { status: 204, description: "done" },
    errors: [400, 415],
  })),
  {
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
  },
  {
    method: "get",
    path: "/activity",
    id: "activity",
    summary: "Completed, failed, retried, snoozed and cancelled tasks per topic and minute",
    tag: "monitoring",
    query: { schema: ActivityQuery, example: { sinceMs: "3600000" } },
    ok: { status: 200, schema: ref("Activity"), description: "the minutes and the database clock" },
    errors: [400],
  },
  {
    method: "get",
    path: "/metrics",
    id: "metrics",
    summary: "Prometheus metrics (text format 0.0.4); past the cap of listed topics, the rest summed as overflow",
    tag: "monitoring",
    query: { schema: MetricsQuery, example: { prefix: "email" } },
    ok: { status: 200, text: "text/plain", description: "the exposition" },
    errors: [400],
  },
  {
    method: "get",
    path: "/openapi.json",
    id: "openapi",
    summary: "This document",
    tag: "reference",
    ok: { status: 200, schema: { type: "object", required: ["openapi", "paths"] }, description: "OpenAPI 3.1" },
    errors: [],
  },
  {
    method: "get",
    path: "/docs",
    id: "reference",
    summary: "The API reference, as a page",
    tag: "reference",
    ok: { status: 200, text: "text/html", description: "the page" },
    errors: [],
  },
  {
    method: "post",
    path: "/topics/{topic}/reserve",
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
  },
  {
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
  },
  ...([
    ["extend", "extendLease", "Keep a reservation alive", ExtendBody, {}, 204],
    ["complete", "complete", "Complete a reserved task", CompleteBody, { result: { sent: true } }, 200],
    ["fail", "fail", "Fail a reserved task's attempt", FailBody, { errorMessage: "mailbox full" }, 200],
    ["snooze", "snooze", "Snooze a reserved task", SnoozeBody, { snoozeTime: 60_000 }, 200],
  ] as const).map(([name, id, summary, schema, extra, status]): Operation => ({
    method: "post",
    path: `/tasks/${T}/${name}`,
    id,
    summary,
    tag: "pull consumers",
    body: { schema, example: { pid: "consumer-1", leaseId: "LEASE_ID", ...extra } },
    ok: status === 204
      ? { status, description: "the lease is extended" }
      : { status, schema: ref("Task"), description: "the task as written" },
    errors: PULL_ERRORS,
  })),
];

const ERROR_TEXT: Record<number, string> = {
  400: "bad input: `issues` names each refused field",
  403: "the task is another worker's",
  404: "no such task",
  409: "the task is not in a state that allows it (its status or lease)",
  413: "too large",
  415: "the body is not JSON",
  503: "the store is unreachable, timed out or did not commit (store-unavailable, store-timeout): " +
    "nothing is acknowledged; try again",
};
/** Every POST refuses a cross-site request (see cross-site.ts): a 403 beside whatever else 403 means there. */
const CROSS_SITE = "a cross-site request (forbidden/cross-site-request: `Sec-Fetch-Site` cross-site or same-site, " +
  "or an `Origin` that is not allowed)";

function queryParameters(schema: v.GenericSchema, example: Record<string, string>) {
  const s = json(schema) as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties).map(([name, p]) => ({
    name,
    in: "query",
    required: s.required?.includes(name) ?? false,
    schema: p,
    ...(name in example ? { example: example[name] } : {}),
  }));
}

let doc: Record<string, unknown> | undefined;

/**
 * The document (built once), with `servers` naming where the routes are
 * mounted: `basePath` is the path before `/openapi.json` (`/sokka` for
 * `app.route("/sokka", sokkaRoutes(…))`), so a generated client calls
 * `/sokka/tasks`, not `/tasks`.
 */
export function openApiDocument(basePath = ""): Record<string, unknown> {
  return { ...baseDocument(), servers: [{ url: basePath || "/" }] };
}

function baseDocument(): Record<string, unknown> {
  if (doc) return doc;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      schema: json(Name), // a topic or an id: a name as the store checks it
      example: name === "topic" ? "email" : name === "taskGroupId" ? "GROUP_ID" : "TASK_ID",
    }));
    const responses: Record<string, unknown> = {
      [op.ok.status]: {
        description: op.ok.description,
        ...(op.ok.schema ? { content: { "application/json": { schema: op.ok.schema } } } : {}),
        ...(op.ok.text ? { content: { [op.ok.text]: { schema: { type: "string" } } } } : {}),
      },
    };
    if (op.ok.also204) responses[204] = { description: "nothing to answer" };
    const errors = new Set([...op.errors, ...(op.method === "post" ? [403] : []), 503]);
    for (const status of [...errors].sort((a, b) => a - b)) {
      const text = op.errorText?.[status] ?? ERROR_TEXT[status];
      responses[status] = {
        description: status !== 403 || op.method !== "post"
          ? text
          : op.errors.includes(403)
          ? `${text}, or ${CROSS_SITE}`
          : CROSS_SITE,
        content: { "application/json": { schema: ref("Error") } },
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.id,
      summary: op.summary,
      tags: [op.tag],
      parameters: [...params, ...(op.query ? queryParameters(op.query.schema, op.query.example) : [])],
      ...(op.body
        ? {
          requestBody: {
            required: !op.body.optional,
            content: { "application/json": { schema: json(op.body.schema), example: op.body.example } },
          },
        }
        : {}),
      responses,
    };
  }
  doc = {
    openapi: "3.1.0",
    info: {
      title: "sokka",
      version: VERSION,
      description:
        "A durable background task queue on libSQL. Every request body and query is validated with the schemas shown here; errors are { error: { type, code, message, issues? } }.",
    },
    paths,
    components: { schemas: SCHEMAS },
  };
  return doc;
}
