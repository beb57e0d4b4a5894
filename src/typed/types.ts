/**
 * The types of typed task definitions (`defineTask`): what a definition
 * takes, what it gives a producer (`create`) and a consumer (`worker`,
 * `drain`), over any Standard Schema v1.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type {
  DrainOptions,
  DrainResult,
  Outcome,
  ProcessorContext,
  ProcessorFn,
  Task,
  TaskDef,
  TaskQ,
  Worker,
  WorkerOptions,
} from "../types.ts";

/** Any schema implementing Standard Schema v1 (valibot, zod, arktype, …). */
export type AnyStandardSchema = StandardSchemaV1<any, any>;

/** The settings a definition gives every task it creates (each may be overridden per task). */
export type TaskDefaults = Pick<
  TaskDef,
  "subTopic" | "taskDescription" | "priority" | "maxAttempts" | "backoff" | "timeoutMs"
>;

/** Options of `defineTask`: the topic, the schema of `data`, optionally of the result, and task defaults. */
export interface DefineTaskOptions<
  S extends AnyStandardSchema = AnyStandardSchema,
  R extends AnyStandardSchema | undefined = undefined,
> extends TaskDefaults {
  /** The topic the definition's tasks go to and its workers poll. */
  topic: string;
  /** Any Standard Schema v1 of the task's `data`: checked at create time and again before each run. */
  schema: S;
  /** A Standard Schema v1 of the result given to `ok(result)`, checked before the result is written. */
  result?: R;
}

/** Per-task settings of a typed create: a `TaskDef` but its topic (the definition's) and data. */
export type TypedCreateOptions = Omit<TaskDef, "topic" | "data">;

/** One item of `createMany`: the data and, optionally, that task's own settings. */
export type TypedTaskItem<In> = TypedCreateOptions & { data: In };

/** A processor of a typed task: `task.data` is the schema's output; `ok(result)` takes the result schema's input. */
export type TypedProcessorFn<Out, Res = unknown> = (
  task: Task<Out>,
  ctx: ProcessorContext,
) => Outcome<Res> | Promise<Outcome<Res>>;

/** `worker()` options of a definition: its topic is the definition's, its `pfn` typed. */
export type TypedWorkerOptions<Out, Res = unknown> = Omit<WorkerOptions, "topic" | "pfn"> & {
  /** Your function, given the validated (and transformed) data. */
  pfn: TypedProcessorFn<Out, Res>;
};

/** `drain()` options of a definition: its topic is the definition's, its `pfn` typed. */
export type TypedDrainOptions<Out, Res = unknown> = Omit<DrainOptions, "topic" | "pfn"> & {
  /** Your function, given the validated (and transformed) data. */
  pfn: TypedProcessorFn<Out, Res>;
};

/**
 * A typed task: its topic, schemas and defaults, and the producer's and the
 * consumer's side of it. `In` is what a producer gives (and what is
 * stored), `Out` what the schema makes of it (what the processor sees),
 * `Res` what `ok(result)` takes.
 */
export interface TaskDefinition<In = unknown, Out = In, Res = unknown> {
  /** The topic of its tasks. */
  readonly topic: string;
  /** The schema of `data`. */
  readonly schema: StandardSchemaV1<In, Out>;
  /** The schema of the result, when given. */
  readonly result: StandardSchemaV1<Res, unknown> | undefined;
  /** The settings every task of it gets unless the create gives its own. */
  readonly defaults: Readonly<TaskDefaults>;
  /**
   * Validates `data`, then creates the task (status `starting`). A refusal is
   * `bad-request/invalid-task` naming each issue (`data.to …`); nothing is written.
   */
  create(taskq: TaskQ, data: In, opts?: TypedCreateOptions): Promise<Task<In>>;
  /** Validates every item's data, then creates them all atomically (all or none), in one round trip. */
  createMany(taskq: TaskQ, items: TypedTaskItem<In>[]): Promise<Task<In>[]>;
  /** Validates `data` as a worker does before a run: the schema's output, or a `bad-request/invalid-task`. */
  parse(data: unknown): Promise<Out>;
  /**
   * `pfn` as a plain `ProcessorFn` for `worker()`/`drain()` on `topic`: it
   * validates each task's data first (a mismatch fails the attempt with the
   * schema's message) and the result of `ok(result)` after.
   */
  processor(pfn: TypedProcessorFn<Out, Res>): ProcessorFn;
  /** `worker()` on the definition's topic with a typed, validating `pfn`. */
  worker(options: TypedWorkerOptions<Out, Res>): Worker;
  /** `drain()` on the definition's topic with a typed, validating `pfn`. */
  drain(options: TypedDrainOptions<Out, Res>): Promise<DrainResult>;
}

/** The input type of a Standard Schema (what a producer gives). */
export type SchemaInput<S extends AnyStandardSchema> = StandardSchemaV1.InferInput<S>;
/** The output type of a Standard Schema (what the processor sees). */
export type SchemaOutput<S extends AnyStandardSchema> = StandardSchemaV1.InferOutput<S>;
