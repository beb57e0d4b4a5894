/**
 * Validation and defaults of the options shared by `worker()` and `drain()`.
 *
 * @module
 */

import * as v from "valibot";
import { invalid, parseOrThrow } from "../schemas/parse.ts";
import { Name } from "../schemas/names.ts";
import { intRange, PositiveMs } from "../schemas/numbers.ts";
import { BackoffSchema, MaxAttempts } from "../schemas/task-def.ts";
import { newId } from "../ids.ts";
import type { ProcessorFn, RetryDefaults, TaskQ } from "../types.ts";

/** Tasks a worker or drain runs at once. */
const Concurrency = intRange(1, 1000);

/** The schema entries of the options common to `worker()` and `drain()`. */
export const CommonOptionEntries = {
  taskq: v.pipe(
    v.custom<TaskQ>((q) => typeof (q as TaskQ)?.reserveTask === "function", "must be a TaskQ (from createTaskQ())"),
    v.description("the store, a TaskQ from createTaskQ()"),
  ),
  topic: Name,
  pfn: v.pipe(
    v.custom<ProcessorFn>((f) => typeof f === "function", "must be a function"),
    v.description("your function (task, { signal, pid }) => Outcome"),
  ),
  pid: v.optional(Name),
  leaseTimeMs: v.optional(PositiveMs),
  keepaliveMs: v.optional(PositiveMs),
  timeoutMs: v.optional(PositiveMs),
  concurrency: v.optional(Concurrency),
  maxAttempts: v.optional(MaxAttempts),
  backoff: v.optional(BackoffSchema),
  schedules: v.optional(v.boolean("must be true or false")),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
};

/** Keepalives must renew a lease before it lapses. */
function checkKeepalive(o: { keepaliveMs?: number }, leaseTimeMs: number, what: string): void {
  if (o.keepaliveMs !== undefined && o.keepaliveMs >= leaseTimeMs) {
    throw invalid(what, [{
      path: "keepaliveMs",
      message: `must be less than leaseTimeMs (${leaseTimeMs}), or the lease lapses between keepalives`,
    }], "invalid-options");
  }
}

/** The settled options of a run, defaults applied. */
export interface Settled {
  taskq: TaskQ;
  topic: string;
  pfn: ProcessorFn<any>;
  pid: string;
  leaseTimeMs: number;
  keepaliveMs: number;
  timeoutMs: number;
  concurrency: number;
  /** The worker's retry defaults, sent with every failed attempt (absent when it has none). */
  retry?: RetryDefaults;
  signal?: AbortSignal;
}

/** Parses `input` with `schema` (an object of `CommonOptionEntries` and more) and applies the defaults. */
export function settle<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): Settled & Omit<v.InferOutput<S>, keyof Settled> {
  const o = parseOrThrow(schema, input, what, "invalid-options") as Partial<Settled> & RetryDefaults;
  const leaseTimeMs = o.leaseTimeMs ?? o.taskq!.leaseTimeMs;
  checkKeepalive(o, leaseTimeMs, what);
  return {
    ...o,
    pid: o.pid ?? `${what}-${newId()}`,
    leaseTimeMs,
    keepaliveMs: o.keepaliveMs ?? Math.max(1, Math.floor(leaseTimeMs * 0.7)),
    timeoutMs: o.timeoutMs ?? 5 * leaseTimeMs,
    concurrency: o.concurrency ?? 1,
    retry: o.maxAttempts !== undefined || o.backoff !== undefined
      ? { maxAttempts: o.maxAttempts, backoff: o.backoff }
      : undefined,
  } as Settled & Omit<v.InferOutput<S>, keyof Settled>;
}
