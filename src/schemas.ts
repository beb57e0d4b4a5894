/**
 * valibot schemas of every input sokka accepts, shared by the store, the
 * functional API and the HTTP routes, and `parseOrThrow`, which turns a
 * refusal into a `TaskError` naming each field and why.
 *
 * @module
 */

import * as v from "valibot";
import { type Issue, TaskError } from "./errors.ts";
import type { TaskStatus } from "./types.ts";

const MAX_INT32 = 2 ** 31 - 1;

/** A non-empty string of at most 255 characters (topics, ids, pids). */
export const Name = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(255, "must be at most 255 characters"),
);

/** A positive integer of at most 2^31−1 (milliseconds). */
export const PositiveMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(MAX_INT32, `must be at most ${MAX_INT32}`),
);

/** A non-negative integer of at most 2^31−1 (a snooze may be 0). */
export const NonNegativeMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(MAX_INT32, `must be at most ${MAX_INT32}`),
);

/** Longest accepted `taskDescription`. */
export const MAX_DESCRIPTION = 10_000;

/** Every status a task can have. */
export const STATUSES: readonly TaskStatus[] = ["starting", "running", "snoozed", "failed", "terminated"];

/** A task definition; unknown keys are dropped. `data` is checked separately (see `encodeData`). */
export const TaskDefSchema = v.object({
  topic: Name,
  data: v.optional(v.unknown()),
  taskId: v.optional(Name),
  taskGroupId: v.optional(Name),
  taskDescription: v.optional(
    v.pipe(v.string("must be a string"), v.maxLength(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`)),
  ),
  subTopic: v.optional(Name),
  timeoutMs: v.optional(PositiveMs),
}, "must be an object");

/** Epoch milliseconds (a listing bound). */
export const EpochMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(Number.MAX_SAFE_INTEGER, "is too large"),
);

/** Filters of a listing. */
export const ListFiltersSchema = v.object({
  topic: v.optional(Name),
  subTopic: v.optional(Name),
  status: v.optional(v.picklist(STATUSES, `must be one of ${STATUSES.join(", ")}`)),
  from: v.optional(EpochMs),
  to: v.optional(EpochMs),
}, "must be an object");

/** Page size and cursor of a listing. */
export const CursorOptionsSchema = v.object({
  limit: v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, "must be at least 1"),
      v.maxValue(1000, "must be at most 1000"),
    ),
  ),
  cursor: v.optional(v.nullable(v.string("must be a string"))),
}, "must be an object");

/** A record version (optimistic concurrency). */
export const RecordVer = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
);

/** A free-text error message of a failed task. */
export const ErrorMessage = v.string("must be a string");

/**
 * Parses `input` with `schema`, or throws `bad-request/<code>` naming every
 * refused field. `what` prefixes field paths ("extendLease: pid must …").
 */
export function parseOrThrow<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  code: "invalid-task" | "invalid-cursor" = "invalid-task",
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw invalid(what, result.issues.map(toIssue), code);
}

/** A `bad-request` TaskError listing `issues`. */
export function invalid(
  what: string,
  issues: Issue[],
  code: "invalid-task" | "invalid-cursor" = "invalid-task",
): TaskError {
  const text = issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join("; ");
  return new TaskError("bad-request", code, `${what}: ${text}`, { issues });
}

/** One valibot issue as a sokka `Issue` (dotted path and message). */
export function toIssue(issue: v.BaseIssue<unknown>): Issue {
  return { path: v.getDotPath(issue) ?? "", message: issue.message };
}

/** Validates one named argument (e.g. a pid) against `schema`; throws naming `field`. */
export function checkArg<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  field: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw invalid(what, [{ path: field, message: result.issues[0].message }]);
}
