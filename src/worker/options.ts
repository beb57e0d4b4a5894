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
import { TaskError } from "../errors.ts";
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

/** The keepalive when none is given: 70 % of the lease, at least 1 ms. */
const defaultKeepalive = (leaseTimeMs: number) => Math.max(1, Math.floor(leaseTimeMs * 0.7));

/** Keepalives must renew a lease before it lapses, the default one too. */
function checkKeepalive(o: { keepaliveMs?: number; leaseTimeMs?: number }, leaseTimeMs: number, what: string): void {
  if (o.keepaliveMs !== undefined && o.keepaliveMs >= leaseTimeMs) {
    throw invalid(what, [{
      path: "keepaliveMs",
      message: `must be less than leaseTimeMs (${leaseTimeMs}), or the lease lapses between keepalives`,
    }], "invalid-options");
  }
  if (o.keepaliveMs === undefined && defaultKeepalive(leaseTimeMs) >= leaseTimeMs) {
    const whose = o.leaseTimeMs === undefined ? ` (the store's, ${leaseTimeMs})` : "";
    throw invalid(what, [{
      path: "leaseTimeMs",
      message: `${whose ? `${whose.slice(1)} ` : ""}must be at least 2: the default keepalive (70 % of it, ` +
        `at least 1 ms) must renew the lease before it lapses`,
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
  // a closed store takes no new run: refused as its calls are, not a run that ends at once as if its topic were empty
  if ((o.taskq!.signal as AbortSignal | undefined)?.aborted) {
    throw new TaskError("unavailable", "store-closed", `${what}: the store is closed`);
  }
  const leaseTimeMs = o.leaseTimeMs ?? o.taskq!.leaseTimeMs;
  checkKeepalive(o, leaseTimeMs, what);
  return {
    ...o,
    pid: o.pid ?? `${what}-${newId()}`,
    leaseTimeMs,
    keepaliveMs: o.keepaliveMs ?? defaultKeepalive(leaseTimeMs),
    timeoutMs: o.timeoutMs ?? 5 * leaseTimeMs,
    concurrency: o.concurrency ?? 1,
    retry: o.maxAttempts !== undefined || o.backoff !== undefined
      ? { maxAttempts: o.maxAttempts, backoff: o.backoff }
      : undefined,
  } as Settled & Omit<v.InferOutput<S>, keyof Settled>;
}
