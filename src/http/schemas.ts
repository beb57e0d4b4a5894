/**
 * Schemas of the HTTP bodies and query strings, built from the store's own
 * schemas (src/schemas.ts) so both refuse exactly the same input. Every body
 * and query is strict: an unknown field (a typo) is refused by name.
 *
 * @module
 */

import * as v from "valibot";
import {
  ErrorMessage,
  fields,
  intRange,
  ISO_EXPECTED,
  isoToEpochMs,
  MAX_LIMIT,
  Name,
  NonNegativeMs,
  Order,
  PositiveMs,
  RecordVer,
  RetryDefaultsSchema,
  Status,
  TaskDefSchema,
} from "../schemas.ts";
import { ScheduleDefSchema, ScheduleName } from "../schemas/schedule-def.ts";
import { TopicLimitsSchema } from "../libsql/limits.ts";

/** A query-string number: digits only, then the number schema. */
const queryNumber = <S extends v.GenericSchema<number, number>>(schema: S, description: string) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(/^\d{1,16}$/, "must be a non-negative integer"),
    v.transform(Number),
    schema,
    v.description(description),
  );

/** A query-string time: epoch milliseconds (digits) or an ISO 8601 timestamp, as `runAt` takes in a body. */
const queryTime = v.pipe(
  v.string("must be a string"),
  v.check(
    (s) => /^\d{1,16}$/.test(s) || isoToEpochMs(s) !== null,
    (issue) =>
      `must be a time: epoch milliseconds or ${ISO_EXPECTED} (encode its + as %2B in a URL), not ${
        JSON.stringify(issue.input)
      }`,
  ),
  v.transform((s) => (/^\d+$/.test(s) ? Number(s) : isoToEpochMs(s)!)),
  v.minValue(0, "must not be before 1970 (epoch milliseconds from 0)"),
  v.maxValue(Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER} (epoch milliseconds)`),
  v.description("a time: epoch milliseconds or an ISO 8601 timestamp"),
);

/** `GET /tasks` query: the listing filters plus `limit`, `order` and `cursor`. */
export const ListQuery = fields({
  topic: v.optional(Name),
  subTopic: v.optional(Name),
  schedule: v.optional(v.pipe(ScheduleName, v.description("only the tasks this schedule made (its slot tasks)"))),
  status: v.optional(Status),
  from: v.optional(queryTime),
  to: v.optional(queryTime),
  limit: v.optional(
    queryNumber(
      v.pipe(v.number(), v.minValue(1, "must be at least 1"), v.maxValue(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)),
      `a whole number from 1 to ${MAX_LIMIT}`,
    ),
  ),
  order: v.optional(Order),
  cursor: v.optional(v.string("must be a string")),
}, "a listing query");

/** `GET /groups/:taskGroupId/tasks` query: a page of the group, as `GET /tasks` pages (`limit`, `order`, `cursor`). */
export const GroupQuery = fields({
  limit: ListQuery.entries.limit,
  order: ListQuery.entries.order,
  cursor: ListQuery.entries.cursor,
}, "a group listing query (limit, order, cursor)");

/**
 * `GET /tasks/:taskId/dependencies` and `/dependants` query: a page in
 * task-id order (`limit`, `cursor`), as `dependencies()` takes it.
 */
export const EdgeQuery = fields({
  limit: ListQuery.entries.limit,
  cursor: v.optional(v.pipe(v.string("must be a string"), v.description("a page's cursor or prevCursor"))),
}, "a dependency listing query (limit, cursor)");

/** `GET /topics` query: a page of topics in name order (`limit`, `cursor`), optionally by prefix, or the last page. */
export const TopicsQuery = fields({
  limit: v.optional(
    queryNumber(
      v.pipe(v.number(), v.minValue(1, "must be at least 1"), v.maxValue(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)),
      `topics per page, 1 to ${MAX_LIMIT} (default 100)`,
    ),
  ),
  cursor: v.optional(v.pipe(v.string("must be a string"), v.description("a page's cursor or prevCursor"))),
  prefix: v.optional(v.pipe(Name, v.description("only topics starting with this text"))),
  last: v.optional(
    v.pipe(
      v.picklist(["true", "false"], 'must be "true" or "false"'),
      v.transform((x) => x === "true"),
      v.description("true: the last page (not with cursor)"),
    ),
  ),
}, "a topics query (limit, cursor, prefix, last)");

/** `GET /metrics` query: only the topics starting with a prefix (a scrape config's `params`). */
export const MetricsQuery = fields({
  prefix: v.optional(v.pipe(Name, v.description("only topics starting with this text"))),
}, "a metrics query (prefix)");

/** `GET /activity` query: how far back (ms, up to two days) and an optional topic. */
export const ActivityQuery = fields({
  sinceMs: v.optional(
    queryNumber(
      v.pipe(v.number(), v.minValue(1, "must be at least 1"), v.maxValue(172_800_000, "must be at most 172800000")),
      "milliseconds back from now, 1 to 172800000 (two days)",
    ),
  ),
  topic: v.optional(Name),
}, "an activity query (sinceMs, topic)");

/** The fence of every pull-consumer write: the reservation's owner and its lease. */
const fence = { pid: Name, leaseId: Name };

/** Most tasks one pull request may reserve, or writes one request may carry. */
export const MAX_BATCH = 1000;

/** Longest a reserve request may wait for a task (a long poll; SQS allows 20 s, we allow 30 s). */
export const MAX_WAIT_MS = 30_000;

export const ReserveBody = fields(
  {
    pid: Name,
    leaseTimeMs: v.optional(PositiveMs),
    waitMs: v.optional(intRange(0, MAX_WAIT_MS, `how long to wait for a task, 0 to ${MAX_WAIT_MS} ms (a long poll)`)),
    n: v.optional(
      intRange(1, MAX_BATCH, `how many tasks to reserve at once, 1 to ${MAX_BATCH}; the answer is then { tasks }`),
    ),
  },
  "a JSON object { pid, leaseTimeMs?, waitMs?, n? }",
);
export const ExtendBody = fields(
  { ...fence, leaseTimeMs: v.optional(PositiveMs) },
  "a JSON object { pid, leaseId, leaseTimeMs? }",
);
export const CompleteBody = fields(
  { ...fence, result: v.optional(v.unknown()) },
  "a JSON object { pid, leaseId, result? }",
);
export const FailBody = fields(
  { ...fence, errorMessage: v.optional(ErrorMessage), retry: v.optional(RetryDefaultsSchema) },
  "a JSON object { pid, leaseId, errorMessage?, retry? }",
);
/** `rateLimited()` over HTTP: the snooze also holds the topic (the task's key, when partitioned) back. */
const holdTopic = v.optional(
  v.pipe(
    v.boolean("must be true or false"),
    v.description(
      "true: also keep every worker from reserving the task's topic (its partitionKey, when the topic's limits " +
        "are partitioned) for snoozeTime, as rateLimited() does (no failure counted; resumeTopic does not clear it)",
    ),
  ),
);
export const SnoozeBody = fields(
  { ...fence, snoozeTime: v.optional(NonNegativeMs), holdTopic },
  "a JSON object { pid, leaseId, snoozeTime?, holdTopic? }",
);
/**
 * `POST /writes`: a pull consumer's tick of outcomes and keepalives in one
 * request, each fenced by its own reservation (`pid` and `leaseId`).
 */
export const WritesBody = fields({
  writes: v.pipe(
    v.array(
      v.variant("op", [
        fields(
          { op: v.literal("extendLease"), taskId: Name, ...fence, leaseTimeMs: v.optional(PositiveMs) },
          "an extendLease write { op, taskId, pid, leaseId, leaseTimeMs? }",
        ),
        fields(
          { op: v.literal("terminate"), taskId: Name, ...fence, result: v.optional(v.unknown()) },
          "a terminate write { op, taskId, pid, leaseId, result? }",
        ),
        // `errorMessage`, as POST /tasks/:taskId/fail names it; `error` (the store's WriteOp name) is kept too
        v.pipe(
          fields(
            {
              op: v.literal("fail"),
              taskId: Name,
              ...fence,
              errorMessage: v.optional(ErrorMessage),
              error: v.optional(v.pipe(ErrorMessage, v.description("the same as errorMessage (an older name)"))),
              retry: v.optional(RetryDefaultsSchema),
            },
            "a fail write { op, taskId, pid, leaseId, errorMessage?, retry? }",
          ),
          v.forward(
            v.check(
              (w) => w.errorMessage === undefined || w.error === undefined,
              "give errorMessage or error, not both",
            ),
            ["error"],
          ),
          v.transform(({ errorMessage, ...w }) => (errorMessage === undefined ? w : { ...w, error: errorMessage })),
        ),
        fields(
          { op: v.literal("snooze"), taskId: Name, ...fence, snoozeTime: v.optional(NonNegativeMs), holdTopic },
          "a snooze write { op, taskId, pid, leaseId, snoozeTime?, holdTopic? }",
        ),
      ], 'must have op "extendLease", "terminate", "fail" or "snooze"'),
      "must be an array of writes",
    ),
    v.minLength(1, "must not be empty"),
    v.maxLength(MAX_BATCH, `must hold at most ${MAX_BATCH} writes`),
    v.description(`1 to ${MAX_BATCH} writes, each { op, taskId, pid, leaseId, … }`),
  ),
}, "a JSON object { writes }");

/**
 * `POST /tasks/batch`: 1 to `MAX_BATCH` task definitions, each as `POST
 * /tasks` takes one, created all or none (`createTasks`).
 */
export const BatchBody = fields({
  tasks: v.pipe(
    v.array(TaskDefSchema, "must be an array of task definitions"),
    v.minLength(1, "must not be empty"),
    v.maxLength(MAX_BATCH, `must hold at most ${MAX_BATCH} tasks`),
    v.description(
      `1 to ${MAX_BATCH} task definitions, each as POST /tasks takes one; the whole body at most maxBodyBytes`,
    ),
  ),
}, "a JSON object { tasks }");

/**
 * `POST /topics/pause` and `/topics/resume`: the topic in the body, for every
 * name, `.` and `..` too, which no URL path carries (clients and servers
 * resolve them as dot segments, `%2E` included).
 */
export const TopicBody = fields({ topic: Name }, "a JSON object { topic }");

/**
 * `PUT /topics/:topic/limits`: the topic's limits as `setTopicLimits` takes
 * them (the store's own schema: the same refusals, an unknown key by name).
 */
export const TopicLimitsBody = v.pipe(
  TopicLimitsSchema,
  v.description(
    "the topic's limits { concurrency?, rate?: { limit, periodMs, burst? }, partitioned? }; concurrency or rate " +
      "must be given (DELETE removes them)",
  ),
);

export const RevokeBody = fields({ recordVer: RecordVer }, "a JSON object { recordVer }");
export const CancelBody = fields({ reason: v.optional(ErrorMessage) }, "a JSON object { reason? }");
/** An operator's action that takes no input: its body, if any, is `{}`. */
export const EmptyBody = fields({}, "a JSON object {} (or no body)");
export const PruneBody = fields({
  olderThanMs: intRange(0, Number.MAX_SAFE_INTEGER, "an age in milliseconds (0 or more)"),
  statuses: v.optional(
    v.array(v.picklist(["terminated", "failed", "cancelled"], "must be terminated, failed or cancelled")),
  ),
  batchSize: v.optional(intRange(1, 10_000)),
  topic: v.optional(Name),
}, "a JSON object { olderThanMs, statuses?, batchSize?, topic? }");

/** `GET /schedules` query: only the schedules of one topic. */
export const SchedulesQuery = fields({
  topic: v.optional(v.pipe(Name, v.description("only the schedules whose tasks go to this topic"))),
}, "a schedules query (topic)");

const { name: _, ...scheduleFields } = ScheduleDefSchema.entries;
/**
 * `PUT /schedules/:name`: a schedule definition as `schedule()` takes it, its
 * name from the path (a `name` in the body must be the same).
 */
export const ScheduleBody = fields(
  {
    name: v.optional(v.pipe(ScheduleName, v.description("the path's name, if given at all"))),
    ...scheduleFields,
  },
  "a schedule definition { cron, topic, timezone?, data?, … } (its name from the path)",
);

/** `POST /schedules/fire`: fire the due slots of every schedule, or of those of some topics. */
export const FireBody = fields({
  topics: v.optional(
    v.pipe(
      v.array(Name, "must be an array of topic names"),
      v.maxLength(MAX_BATCH, `must hold at most ${MAX_BATCH} topics`),
      v.description("only the schedules of these topics (default: every schedule)"),
    ),
  ),
}, "a JSON object { topics? } (or no body)");
