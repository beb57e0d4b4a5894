/**
 * The schema of a schedule definition (`ScheduleDef`), tied to its type. The
 * cron and the time zone are checked by `src/schedules/cron.ts` (croner
 * parses the cron; the runtime's `Intl` knows the zones).
 *
 * @module
 */

import * as v from "valibot";
import type { ScheduleDef } from "../types.ts";
import type { Agree, Assert } from "./agree.ts";
import { fields } from "./parse.ts";
import { maxChars, Name } from "./names.ts";
import { intRange, PositiveMs } from "./numbers.ts";
import { BackoffSchema, MAX_DESCRIPTION, MaxAttempts, Priority } from "./task-def.ts";

/** Longest schedule name: a slot's task id, `<name>@<ISO slot>`, must stay a name (255 characters). */
export const MAX_SCHEDULE_NAME = 200;
/** Longest backfill window: 7 days. */
export const MAX_BACKFILL_MS = 7 * 24 * 3_600_000;

/** A schedule's name. */
export const ScheduleName = v.pipe(Name, maxChars(MAX_SCHEDULE_NAME));

/** A schedule definition. `data` is checked separately (see `encodeData`), the cron and zone by croner. */
export const ScheduleDefSchema = fields({
  name: ScheduleName,
  cron: v.pipe(
    v.string("must be a string"),
    v.minLength(1, "must not be empty"),
    v.check((c) => c.trim() === c, "must not begin or end with whitespace"),
    maxChars(200),
    v.description("a cron expression (5, 6 or 7 fields) or a nickname such as @hourly"),
  ),
  timezone: v.optional(
    v.pipe(v.string("must be a string"), maxChars(100), v.description("an IANA time zone such as Europe/London")),
  ),
  topic: Name,
  data: v.optional(v.unknown()),
  subTopic: v.optional(Name),
  taskDescription: v.optional(
    v.pipe(
      v.string("must be a string"),
      maxChars(MAX_DESCRIPTION),
      v.description(`a string of at most ${MAX_DESCRIPTION} characters`),
    ),
  ),
  priority: v.optional(Priority),
  maxAttempts: v.optional(MaxAttempts),
  backoff: v.optional(BackoffSchema),
  timeoutMs: v.optional(PositiveMs),
  overlap: v.optional(v.picklist(["allow", "skip"], 'must be "allow" or "skip"')),
  backfillMs: v.optional(intRange(0, MAX_BACKFILL_MS)),
  paused: v.optional(v.boolean("must be true or false")),
}, "a schedule definition");

// Compile-time: the schema accepts exactly `ScheduleDef` (a field added to or dropped from one side fails tsc).
type _ScheduleDef = Assert<Agree<ScheduleDef, v.InferInput<typeof ScheduleDefSchema>>>;
