/**
 * The valibot schemas of the worker's transitions: a write of `applyWrites`
 * (`WriteOpSchema`) and the options object of each fenced method.
 *
 * @module
 */

import * as v from "valibot";
import {
  ErrorMessage,
  fields,
  Name,
  NonNegativeMs,
  parseOrThrow,
  PositiveMs,
  RecordVer,
  RetryDefaultsSchema,
} from "../schemas.ts";

const FenceOptionsSchema = v.optional(fields({ leaseId: v.optional(Name) }, "fence options ({ leaseId })"));
const RetrySchema = v.optional(RetryDefaultsSchema);
const TerminateOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), result: v.optional(v.unknown()) }, "terminate options ({ leaseId, result })"),
);
const FailOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), retry: RetrySchema }, "fail options ({ leaseId, retry })"),
);
const ExtendOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), leaseTimeMs: v.optional(PositiveMs) }, "extendLease options"),
);
const owner = { taskId: Name, pid: Name, leaseId: v.optional(Name) };
/** One write of `applyWrites`. */
export const WriteOpSchema = v.variant("op", [
  fields({ op: v.literal("extendLease"), ...owner, leaseTimeMs: v.optional(PositiveMs) }, "an extendLease write"),
  fields({ op: v.literal("terminate"), ...owner, result: v.optional(v.unknown()) }, "a terminate write"),
  fields({ op: v.literal("fail"), ...owner, error: v.optional(ErrorMessage), retry: RetrySchema }, "a fail write"),
  fields({
    op: v.literal("snooze"),
    ...owner,
    snoozeTime: v.optional(NonNegativeMs),
    holdTopic: v.optional(v.boolean("must be true or false")),
  }, "a snooze write"),
  fields({ op: v.literal("revokeLease"), taskId: Name, recordVer: RecordVer }, "a revokeLease write"),
], "must be one of extendLease, terminate, fail, snooze, revokeLease");

/** The options object of a fenced method: only its own fields, each checked again with the write. */
export function fenceOptions(opts: unknown, what: string): Record<string, unknown> {
  const schema = what === "extendLease"
    ? ExtendOptionsSchema
    : what === "terminate"
    ? TerminateOptionsSchema
    : what === "fail"
    ? FailOptionsSchema
    : FenceOptionsSchema;
  return parseOrThrow(schema, opts, `${what} options`) ?? {};
}
