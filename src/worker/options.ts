/**
 * Validation and defaults of the options shared by `worker()` and `drain()`.
 *
 * @module
 */

import * as v from "valibot";
import { Name, parseOrThrow, PositiveMs } from "../schemas.ts";
import { newId } from "../ids.ts";
import type { ProcessorFn, TaskQ } from "../types.ts";

const Concurrency = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(1000, "must be at most 1000"),
);

/** Options common to `worker()` and `drain()`. */
export const CommonOptions = {
  taskq: v.custom<TaskQ>((q) => typeof (q as TaskQ)?.reserveTask === "function", "must be a TaskQ"),
  topic: Name,
  pfn: v.custom<ProcessorFn>((f) => typeof f === "function", "must be a function"),
  pid: v.optional(Name),
  leaseTimeMs: v.optional(PositiveMs),
  keepaliveMs: v.optional(PositiveMs),
  timeoutMs: v.optional(PositiveMs),
  concurrency: v.optional(Concurrency),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
};

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
  signal?: AbortSignal;
}

/** Parses `input` with `schema` (an object of `CommonOptions` and more) and applies the defaults. */
export function settle<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): Settled & Omit<v.InferOutput<S>, keyof Settled> {
  const o = parseOrThrow(schema, input, what) as Partial<Settled>;
  const leaseTimeMs = o.leaseTimeMs ?? o.taskq!.leaseTimeMs;
  return {
    ...o,
    pid: o.pid ?? `${what}-${newId()}`,
    leaseTimeMs,
    keepaliveMs: o.keepaliveMs ?? Math.max(1, Math.floor(leaseTimeMs * 0.7)),
    timeoutMs: o.timeoutMs ?? 5 * leaseTimeMs,
    concurrency: o.concurrency ?? 1,
  } as Settled & Omit<v.InferOutput<S>, keyof Settled>;
}
