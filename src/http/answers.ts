/**
 * Schemas of what the routes answer, for the OpenAPI document (the store
 * builds these values; the document and its test read them).
 *
 * @module
 */

import * as v from "valibot";
import { BackoffSchema, STATUSES, UniquePolicySchema } from "../schemas.ts";
import type { FireResult, Schedule, Task, TaskStatus, TopicStats } from "../types.ts";
import { type JsonSchema, jsonSchema } from "./json-schema.ts";

const int = v.pipe(v.number(), v.integer());
const str = v.string();
const nullable = <S extends v.GenericSchema>(s: S) => v.nullable(s);

/** A task as the routes answer it: `Task` (src/types.ts), field for field (checked below at compile time). */
export const TaskOut = v.strictObject({
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
  scheduleName: nullable(str),
  slotAt: nullable(int),
  uniqueKey: nullable(str),
  unique: nullable(UniquePolicySchema),
  dependsOn: v.array(v.strictObject({ taskId: str, status: nullable(v.picklist(STATUSES)) })),
  onDependencyFailure: nullable(v.picklist(["fail", "run", "cancel"])),
  followUpOf: nullable(str),
  partitionKey: nullable(str),
});

/** `true` when `A` and `B` are the same type: each field, its type and whether it is optional. */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Assert<T extends true> = T;
/** Fails to compile when `TaskOut` and `Task` differ. */
export type TaskOutIsTask = Assert<Same<v.InferOutput<typeof TaskOut>, Task>>;

/** A schedule as the routes answer it: `Schedule` (src/types.ts), field for field (checked below at compile time). */
export const ScheduleOut = v.strictObject({
  name: str,
  cron: str,
  timezone: str,
  topic: str,
  subTopic: str,
  taskDescription: nullable(str),
  data: v.unknown(),
  priority: int,
  maxAttempts: nullable(int),
  backoff: nullable(BackoffSchema),
  timeoutMs: nullable(int),
  overlap: v.picklist(["allow", "skip"]),
  backfillMs: int,
  paused: v.boolean(),
  nextSlotAt: nullable(int),
  lastSlotAt: nullable(int),
  lastFiredAt: nullable(int),
  lastTaskId: nullable(str),
  skippedSlots: int,
  version: int,
  createdAt: int,
  updatedAt: int,
});
/** Fails to compile when `ScheduleOut` and `Schedule` differ. */
export type ScheduleOutIsSchedule = Assert<Same<v.InferOutput<typeof ScheduleOut>, Schedule>>;

/** What `POST /schedules/fire` answers: `FireResult`, field for field. */
export const FireResultOut = v.strictObject({
  fired: int,
  nextSlotAt: nullable(int),
  now: int,
  errors: v.array(v.strictObject({ name: str, message: str })),
});
/** Fails to compile when `FireResultOut` and `FireResult` differ. */
export type FireResultOutIsFireResult = Assert<Same<v.InferOutput<typeof FireResultOut>, FireResult>>;

const Counts = v.strictObject({ completed: int, failed: int, retried: int, snoozed: int, cancelled: int });
/** A topic's limits as the store reads them back: `rate.burst` always there, `partitioned` only when true. */
const TopicLimitsOut = v.strictObject({
  concurrency: v.optional(int),
  rate: v.optional(v.strictObject({ limit: int, periodMs: int, burst: int })),
  partitioned: v.optional(v.literal(true)),
});
const TopicStatsOut = v.strictObject({
  topic: str,
  counts: v.strictObject(Object.fromEntries(STATUSES.map((s) => [s, int])) as Record<TaskStatus, typeof int>),
  paused: v.boolean(),
  oldestReadyAgeMs: nullable(int),
  totals: Counts,
  limits: nullable(TopicLimitsOut),
  running: v.pipe(int, v.description("its running tasks whose lease holds (what a concurrency limit counts)")),
  heldBack: v.pipe(
    int,
    v.description("ready tasks its limits, or a rateLimited() back-off, keep from being reserved right now"),
  ),
});
/** `true` when `A` is a `B` and has each of its fields (`A` may say more of one: a field always there). */
type Covers<A, B> = [A] extends [B] ? ([keyof B] extends [keyof A] ? true : false) : false;
/** Fails to compile when `TopicStatsOut` leaves out a field of `TopicStats` or answers one of another type. */
export type TopicStatsOutIsTopicStats = Assert<Covers<v.InferOutput<typeof TopicStatsOut>, TopicStats>>;
const ErrorOut = v.object({
  error: v.object({
    type: str,
    code: str,
    message: str,
    issues: v.optional(v.array(v.object({ path: str, message: str }))),
    details: v.optional(v.unknown()),
  }),
});

/** The document's `components.schemas`, by name. */
export const SCHEMAS = {
  Task: jsonSchema(TaskOut),
  Page: jsonSchema(v.strictObject({ data: v.array(TaskOut), cursor: nullable(str), prevCursor: nullable(str) })),
  TopicStats: jsonSchema(TopicStatsOut),
  TopicPage: jsonSchema(
    v.strictObject({ data: v.array(TopicStatsOut), cursor: nullable(str), prevCursor: nullable(str) }),
  ),
  TopicLimits: jsonSchema(v.strictObject({ topic: str, limits: nullable(TopicLimitsOut) })),
  Activity: jsonSchema(
    v.strictObject({ now: int, minutes: v.array(v.strictObject({ topic: str, minute: int, ...Counts.entries })) }),
  ),
  Schedule: jsonSchema(ScheduleOut),
  ScheduleList: jsonSchema(v.strictObject({ data: v.array(ScheduleOut) })),
  FireResult: jsonSchema(FireResultOut),
  Error: jsonSchema(ErrorOut),
} satisfies Record<string, JsonSchema>;

/** A reference to one of `SCHEMAS`. */
export const ref = (name: keyof typeof SCHEMAS): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** An array of tasks. */
export const taskList: JsonSchema = { type: "array", items: ref("Task") };

/** What `enqueue` and `sealGroup` answer (`Enqueued`): the task, and whether an existing one answered. */
export const enqueued: JsonSchema = {
  type: "object",
  properties: {
    task: ref("Task"),
    deduplicated: { type: "boolean", description: "true: no task was created, an existing one answered" },
  },
  required: ["task", "deduplicated"],
  additionalProperties: false,
};

/** What `POST /tasks/batch` answers (`EnqueuedMany`): the tasks in the order given, and the deduplicated indexes. */
export const enqueuedMany: JsonSchema = {
  type: "object",
  properties: {
    tasks: taskList,
    deduplicated: {
      type: "array",
      items: { type: "integer", minimum: 0 },
      description: "the indexes (into tasks) whose uniqueKey was held: an existing task answered, none was created",
    },
  },
  required: ["tasks", "deduplicated"],
  additionalProperties: false,
};
