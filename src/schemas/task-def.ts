/**
 * The schema of a task definition (`TaskDef`) and of the retry settings it
 * shares with the worker (`Backoff`, `RetryDefaults`), each tied to its type.
 *
 * @module
 */

import * as v from "valibot";
import type { Backoff, RetryDefaults, TaskDef } from "../types.ts";
import type { Agree, Assert } from "./agree.ts";
import { fields } from "./parse.ts";
import { maxChars, Name } from "./names.ts";
import { intRange, NonNegativeMs, PositiveMs } from "./numbers.ts";
import { Instant } from "./times.ts";

/** Longest accepted `taskDescription`. */
export const MAX_DESCRIPTION = 10_000;

/** An exponential backoff's defaults: its first wait, and the most it grows to (as the fail statement, `statements/outcomes.ts`, applies them). */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 3_600_000;

/** How long a failed attempt waits before the next one (see `Backoff`). */
export const BackoffSchema = v.variant("type", [
  v.pipe(
    fields({
      type: v.literal("exponential"),
      baseMs: v.optional(PositiveMs),
      capMs: v.optional(PositiveMs),
    }, 'an exponential backoff { type: "exponential", baseMs?, capMs? }'),
    // a cap below the base would make every wait the cap: surely not what was meant
    v.forward(
      v.check(
        (b) => (b.capMs ?? BACKOFF_CAP_MS) >= (b.baseMs ?? BACKOFF_BASE_MS),
        (issue) => {
          const b = issue.input as { baseMs?: number; capMs?: number };
          return `must be at least baseMs (${b.baseMs ?? `${BACKOFF_BASE_MS} by default`}), not ${
            b.capMs ?? `${BACKOFF_CAP_MS} by default`
          }`;
        },
      ),
      ["capMs"],
    ),
  ),
  fields({ type: v.literal("fixed"), delayMs: NonNegativeMs }, 'a fixed backoff { type: "fixed", delayMs }'),
], 'must be { type: "exponential", baseMs?, capMs? } or { type: "fixed", delayMs }');

/** How many failed attempts a task may have (the last one ends it `failed`). */
export const MaxAttempts = intRange(1, 10_000);

/** A failing worker's retry settings for tasks without their own. */
export const RetryDefaultsSchema = fields(
  { maxAttempts: v.optional(MaxAttempts), backoff: v.optional(BackoffSchema) },
  "retry defaults { maxAttempts?, backoff? }",
);

/** Reservation order: lower first. */
export const Priority = intRange(-1_000_000, 1_000_000);

/** Most dependencies one task may name. */
export const MAX_DEPENDS_ON = 100;

/** Which tasks of a unique key hold it (see `UniquePolicy`). */
export const UniquePolicySchema = v.union([
  v.picklist(["active", "queued"]),
  fields({ periodMs: PositiveMs }, "a period { periodMs }"),
  fields(
    { debounceMs: PositiveMs, maxWaitMs: v.optional(PositiveMs) },
    "a debounce { debounceMs, maxWaitMs? }",
  ),
], 'must be "active", "queued", { periodMs } or { debounceMs, maxWaitMs? }');

/** One dependency: a task id, or (in `createTasks`) `{ ref }` naming another definition of the call. */
const DependencyRef = v.union(
  [Name, fields({ ref: Name }, "a reference { ref }")],
  "must be a task id or { ref } naming another definition of the call",
);

/** A task definition. `data` is checked separately (see `encodeData`). */
export const TaskDefSchema = fields({
  topic: Name,
  data: v.optional(v.unknown()),
  taskId: v.optional(Name),
  taskGroupId: v.optional(Name),
  taskDescription: v.optional(
    v.pipe(
      v.string("must be a string"),
      maxChars(MAX_DESCRIPTION),
      v.description(`a string of at most ${MAX_DESCRIPTION} characters`),
    ),
  ),
  subTopic: v.optional(Name),
  timeoutMs: v.optional(PositiveMs),
  priority: v.optional(Priority),
  maxAttempts: v.optional(MaxAttempts),
  backoff: v.optional(BackoffSchema),
  runAt: v.optional(Instant),
  delayMs: v.optional(NonNegativeMs),
  uniqueKey: v.optional(Name),
  unique: v.optional(UniquePolicySchema),
  onDuplicate: v.optional(v.picklist(["return", "error"], 'must be "return" or "error"')),
  dependsOn: v.optional(
    v.pipe(
      v.array(DependencyRef, "must be an array of task ids"),
      v.minLength(1, "must not be empty"),
      v.maxLength(MAX_DEPENDS_ON, `must hold at most ${MAX_DEPENDS_ON} dependencies`),
    ),
  ),
  onDependencyFailure: v.optional(v.picklist(["fail", "run", "cancel"], 'must be "fail", "run" or "cancel"')),
  ref: v.optional(Name),
  partitionKey: v.optional(Name),
}, "a task definition");

// Compile-time: each schema accepts exactly its declared type (a field added to or dropped from one side fails tsc).
type _Backoff = Assert<Agree<Backoff, v.InferInput<typeof BackoffSchema>>>;
type _RetryDefaults = Assert<Agree<RetryDefaults, v.InferInput<typeof RetryDefaultsSchema>>>;
type _TaskDef = Assert<Agree<TaskDef, v.InferInput<typeof TaskDefSchema>>>;
