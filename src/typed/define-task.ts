/**
 * `defineTask()`: a topic, the Standard Schema of its tasks' `data` (and
 * optionally of their result) and defaults, in one value that both the
 * producer (`create`) and the consumer (`worker`, `drain`) use, so the two
 * cannot drift apart unnoticed.
 *
 * @module
 */

import * as v from "valibot";
import { createTask, createTasks } from "../api.ts";
import { type Issue, TaskError } from "../errors.ts";
import { fields, invalid, parseOrThrow } from "../schemas/parse.ts";
import { TaskDefSchema } from "../schemas/task-def.ts";
import type { TaskDef } from "../types.ts";
import { drain } from "../worker/drain.ts";
import { worker } from "../worker/worker.ts";
import { typedProcessor } from "./processor.ts";
import { checkStandard, isStandardSchema, issuesText } from "./standard.ts";
import type {
  AnyStandardSchema,
  DefineTaskOptions,
  SchemaInput,
  SchemaOutput,
  TaskDefaults,
  TaskDefinition,
  TypedCreateOptions,
} from "./types.ts";

const Def = TaskDefSchema.pipe[0].entries;
const StandardSchema = v.pipe(
  v.custom<AnyStandardSchema>(isStandardSchema, "must be a Standard Schema v1 (an object with ~standard.validate)"),
  v.description("a Standard Schema v1 (valibot, zod, arktype, …)"),
);
const DefineTaskSchema = fields({
  topic: Def.topic,
  schema: StandardSchema,
  result: v.optional(StandardSchema),
  subTopic: Def.subTopic,
  taskDescription: Def.taskDescription,
  priority: Def.priority,
  maxAttempts: Def.maxAttempts,
  backoff: Def.backoff,
  timeoutMs: Def.timeoutMs,
}, "defineTask options");

/** The definitions `defineTask` made (what `sokkaRoutes({ tasks })` accepts). */
const DEFINITIONS = new WeakSet<object>();

/** True when `x` was made by `defineTask`. */
export function isTaskDefinition(x: unknown): x is TaskDefinition<any, any, any> {
  return typeof x === "object" && x !== null && DEFINITIONS.has(x);
}

/** The issues of data a schema refused, as a `bad-request/invalid-task` (`details`: the topic, and the item's index). */
export function refusedData(what: string, topic: string, issues: Issue[], index?: number): TaskError {
  const at = index === undefined ? "" : ` (item ${index})`;
  return new TaskError("bad-request", "invalid-task", `${what}${at}: ${issuesText(issues)}`, {
    issues,
    details: index === undefined ? { topic } : { topic, index },
  });
}

/**
 * Defines a typed task: its topic, the schema of its `data` — any Standard
 * Schema v1 (valibot, zod, arktype, …) — optionally the schema of its result,
 * and defaults for its tasks (`subTopic`, `taskDescription`, `priority`,
 * `maxAttempts`, `backoff`, `timeoutMs`). `create` validates and types the
 * data a producer gives (a refusal names each issue, `data.…`, and writes
 * nothing); `worker` and `drain` give the processor the validated, typed
 * data — stored data that no longer matches (written before a deploy) fails
 * the attempt with the schema's message. The data is stored as given; the
 * processor sees the schema's output (its defaults and transforms applied).
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { createTaskQ, defineTask, ok } from "sokka";
 *
 * const email = defineTask({
 *   topic: "email",
 *   schema: v.object({ to: v.pipe(v.string(), v.email()), subject: v.string() }),
 *   maxAttempts: 5,
 * });
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * await email.create(taskq, { to: "ada@example.com", subject: "Hello" });
 * const w = email.worker({ taskq, pfn: (task) => ok({ sentTo: task.data.to }) });
 * ```
 */
export function defineTask<S extends AnyStandardSchema, R extends AnyStandardSchema | undefined = undefined>(
  options: DefineTaskOptions<S, R>,
): TaskDefinition<SchemaInput<S>, SchemaOutput<S>, R extends AnyStandardSchema ? SchemaInput<R> : unknown> {
  type In = SchemaInput<S>;
  type Out = SchemaOutput<S>;
  type Res = R extends AnyStandardSchema ? SchemaInput<R> : unknown;
  const o = parseOrThrow(DefineTaskSchema, options, "defineTask", "invalid-options");
  const { topic, schema, result, ...given } = o;
  const defaults: Readonly<TaskDefaults> = Object.freeze(
    Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined)) as TaskDefaults,
  );
  const checks = { topic, schema: schema as AnyStandardSchema, result: result as AnyStandardSchema | undefined };

  /** The task definition of one create: data checked, the defaults under the caller's own settings. */
  const toDef = async (data: unknown, opts: unknown, what: string, index?: number): Promise<TaskDef<In>> => {
    if (opts !== undefined && (opts === null || typeof opts !== "object" || Array.isArray(opts))) {
      throw invalid(what, [{ path: "", message: "the options must be an object of task settings" }]);
    }
    for (const key of ["topic", "data"]) {
      if (opts && Object.hasOwn(opts, key)) {
        throw invalid(what, [{
          path: key,
          message: `is given by the definition (topic "${topic}"), not as an option`,
        }]);
      }
    }
    const checked = await checkStandard(schema, data === undefined ? null : data, "data");
    if (checked.issues) throw refusedData(what, topic, checked.issues, index);
    const own = Object.entries((opts ?? {}) as object).filter(([, x]) => x !== undefined);
    return { ...defaults, ...Object.fromEntries(own), topic, data: data as In };
  };

  const definition: TaskDefinition<In, Out, Res> = {
    topic,
    schema,
    result,
    defaults,
    create: async (taskq, data, opts?: TypedCreateOptions) =>
      createTask(taskq, await toDef(data, opts, `create (topic "${topic}")`)),
    createMany: async (taskq, items) => {
      const what = `createMany (topic "${topic}")`;
      if (!Array.isArray(items)) throw invalid(what, [{ path: "", message: "must be an array of { data, … }" }]);
      const defs = await Promise.all(items.map((item, i) => {
        if (item === null || typeof item !== "object" || Array.isArray(item)) {
          throw invalid(what, [{ path: String(i), message: "must be an object { data, … }" }]);
        }
        const { data, ...opts } = item;
        return toDef(data, opts, what, i);
      }));
      return createTasks(taskq, defs);
    },
    parse: async (data) => {
      const checked = await checkStandard(schema, data === undefined ? null : data, "data");
      if (checked.issues) throw refusedData(`parse (topic "${topic}")`, topic, checked.issues);
      return checked.value as Out;
    },
    processor: (pfn) => typedProcessor(checks, pfn),
    worker: (opts) => worker({ ...ownTopic(opts, topic, "worker"), topic, pfn: wrap(checks, opts) }),
    drain: async (opts) => await drain({ ...ownTopic(opts, topic, "drain"), topic, pfn: wrap(checks, opts) }),
  };
  DEFINITIONS.add(definition);
  return Object.freeze(definition);
}

/** The options of a definition's worker or drain, refused when they name a topic of their own. */
function ownTopic<T>(opts: T, topic: string, what: string): T {
  if (opts !== null && typeof opts === "object" && Object.hasOwn(opts, "topic")) {
    throw invalid(
      what,
      [{ path: "topic", message: `is given by the definition (topic "${topic}"), not as an option` }],
      "invalid-options",
    );
  }
  return opts;
}

/** The typed `pfn` wrapped, or, when it is not a function, as given (the worker refuses it by name). */
function wrap(checks: Parameters<typeof typedProcessor>[0], opts: unknown): any {
  const pfn = (opts as { pfn?: unknown } | null)?.pfn;
  return typeof pfn === "function" ? typedProcessor(checks, pfn as never) : pfn;
}
