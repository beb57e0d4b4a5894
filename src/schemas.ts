/**
 * valibot schemas of every input sokka accepts, shared by the store, the
 * functional API and the HTTP routes, and `parseOrThrow`, which turns a
 * refusal into a `TaskError` naming each field and why. The statuses and
 * the listing's schemas live here; the others, one file per kind, under
 * `schemas/`, and are re-exported here.
 *
 * @module
 */

import * as v from "valibot";
import type { CursorOptions, ListFilters } from "./types.ts";
import type { Agree, Assert } from "./schemas/agree.ts";
import { fields } from "./schemas/parse.ts";
import { Name } from "./schemas/names.ts";
import { intRange } from "./schemas/numbers.ts";
import { Instant } from "./schemas/times.ts";
import { STATUSES } from "./transitions.ts";

export { charCount, maxChars, Name } from "./schemas/names.ts";
export { intRange, NonNegativeMs, PositiveBytes, PositiveMs, RecordVer } from "./schemas/numbers.ts";
export { Instant, ISO_EXPECTED, isoToEpochMs } from "./schemas/times.ts";
export {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  BackoffSchema,
  MAX_DEPENDS_ON,
  MAX_DESCRIPTION,
  MaxAttempts,
  Priority,
  RetryDefaultsSchema,
  TaskDefSchema,
  UniquePolicySchema,
} from "./schemas/task-def.ts";
export { capErrorText, ErrorMessage, MAX_ERROR_CHARS, TRUNCATED } from "./schemas/error-text.ts";
export {
  AnyArray,
  type BadInputCode,
  checkArg,
  describeValue,
  explain,
  fields,
  invalid,
  parseOrThrow,
} from "./schemas/parse.ts";
export { closest } from "./schemas/closest-name.ts";

export { LIVE_COUNT, STATUSES } from "./transitions.ts";

/** Direction of a listing (see `Page.data` for its order). */
export const Order = v.pipe(
  v.picklist(["asc", "desc"], 'must be "asc" or "desc"'),
  v.description(
    "asc (default): status by status from starting to cancelled; starting tasks in reservation order " +
      "(topic, priority, ready time, creation), running and snoozed ones by topic, then when their lease or " +
      "snooze runs out, the others by updatedAt, then taskId. desc: each status's order reversed (newest " +
      "first), the statuses still from starting to cancelled",
  ),
);

/** What other queues (BullMQ, graphile-worker, pg-boss, Oban) call a status, and sokka's name for it. */
const STATUS_ALIASES: Record<string, string> = {
  completed: "terminated",
  complete: "terminated",
  succeeded: "terminated",
  success: "terminated",
  done: "terminated",
  finished: "terminated",
  waiting: "starting",
  wait: "starting",
  queued: "starting",
  pending: "starting",
  ready: "starting",
  created: "starting",
  available: "starting",
  scheduled: "starting",
  delayed: "starting",
  retryable: "starting",
  active: "running",
  executing: "running",
  processing: "running",
  locked: "running",
  discarded: "failed",
  dead: "failed",
  errored: "failed",
  error: "failed",
  canceled: "cancelled",
};

/** The refusal of a status that is none of `STATUSES`, with sokka's name for another queue's ("completed"). */
export function statusMessage(issue: { input: unknown }): string {
  const ours = typeof issue.input === "string" ? STATUS_ALIASES[issue.input.toLowerCase()] : undefined;
  return `must be one of ${STATUSES.join(", ")}${ours ? ` ("${issue.input}" is ${ours} here)` : ""}`;
}

/** A task status. */
export const Status = v.pipe(
  v.picklist(STATUSES, statusMessage),
  v.description(`one of ${STATUSES.join(", ")}`),
);

/** Filters of a listing. */
export const ListFiltersSchema = fields({
  topic: v.optional(Name),
  subTopic: v.optional(Name),
  taskGroupId: v.optional(Name),
  schedule: v.optional(Name),
  status: v.optional(Status),
  from: v.optional(Instant),
  to: v.optional(Instant),
}, "listing filters");

/** Largest page of a listing. */
export const MAX_LIMIT = 1000;

/** Page size, order and cursor of a listing. */
export const CursorOptionsSchema = fields({
  limit: v.optional(intRange(1, MAX_LIMIT)),
  cursor: v.optional(v.nullable(v.pipe(v.string("must be a string"), v.description("a cursor from a page")))),
  order: v.optional(Order),
}, "paging options");

// Compile-time: each schema accepts exactly its declared type (a field added to or dropped from one side fails tsc).
type _ListFilters = Assert<Agree<ListFilters, v.InferInput<typeof ListFiltersSchema>>>;
type _CursorOptions = Assert<Agree<CursorOptions, v.InferInput<typeof CursorOptionsSchema>>>;
