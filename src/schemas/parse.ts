/**
 * `parseOrThrow` and its kin: parse an input with a schema, or throw a
 * `TaskError` naming each refused field, what it must be and, for an unknown
 * field, the closest known name.
 *
 * @module
 */

import * as v from "valibot";
import { type Issue, TaskError } from "../errors.ts";
import { closest, FUNCTION_NAMES } from "./closest-name.ts";

/**
 * The options of the store (`createTaskQ`; test/worker.test.ts holds this
 * list to its schema), often tried on a worker: a refusal of one by what runs
 * tasks says where it goes.
 */
const STORE_OPTIONS: ReadonlySet<string> = new Set([
  "url",
  "authToken",
  "client",
  "leaseTimeMs",
  "snoozeTimeMs",
  "maxDataBytes",
  "durability",
  "busyTimeoutMs",
  "busyRetryMs",
  "changePollMs",
  "fileEvents",
  "requestTimeoutMs",
  "retention",
  "clock",
  "driver",
]);
/** The options of what runs tasks: a store option given to one of these is refused saying where it goes. */
const WORKER_NOUNS: ReadonlySet<string> = new Set(["worker options", "drain options", "scheduler options"]);

/**
 * An options object or definition with exactly these fields: a missing
 * required field, a field of the wrong type and an unknown field (a typo, or
 * an option this version does not have) are each refused by name.
 * `noun` says what the object is ("a task definition").
 */
export function fields<E extends v.ObjectEntries>(entries: E, noun: string) {
  return v.pipe(v.strictObject(entries, `must be ${noun}`), v.description(noun));
}

/** Any array, its items checked one by one elsewhere (`v.array(v.unknown())` would walk and copy every item). */
export const AnyArray = v.custom<unknown[]>((x) => Array.isArray(x), "must be an array");

/** The codes of a bad input. */
export type BadInputCode =
  | "invalid-task"
  | "invalid-options"
  | "invalid-outcome"
  | "invalid-query"
  | "invalid-request"
  | "invalid-cursor"
  | "invalid-schedule";

/**
 * Parses `input` with `schema`, or throws `bad-request/<code>` naming every
 * refused field and what was expected. `what` prefixes the message
 * ("createTask: topic is required: …").
 */
export function parseOrThrow<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  code: BadInputCode = "invalid-task",
): v.InferOutput<S> {
  if (Array.isArray(input) && isObjectSchema(schema)) {
    const noun = v.getDescription(unwrap(schema)) ?? "an object";
    throw invalid(what, [{ path: "", message: `must be ${noun}, not an array` }], code);
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw invalid(what, result.issues.map((i) => explain(i, schema)), code);
}

/** A `bad-request` TaskError listing `issues`. */
export function invalid(what: string, issues: Issue[], code: BadInputCode = "invalid-task"): TaskError {
  const text = issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join("; ");
  return new TaskError("bad-request", code, `${what}: ${text}`, { issues });
}

/**
 * One valibot issue as a sokka `Issue` whose message says what was expected:
 * a missing field "is required: <what it must be>", an unknown field "is not
 * a field of <noun>" with the closest known name, a wrong whole input "must
 * be <noun>, not <what came>". `root` is the schema that was parsed.
 */
export function explain(issue: v.BaseIssue<unknown>, root: v.GenericSchema): Issue {
  const path = v.getDotPath(issue) ?? "";
  const keys = (issue.path ?? []).map((p) => p.key as string | number);
  // the object each key was read from: tells which option of a variant (`{ op: "fail", … }`) it is
  const inputs = (issue.path ?? []).map((p) => (p as { input?: unknown }).input);
  const isObjectIssue = issue.kind === "schema" && /object$/.test(issue.type);
  if (isObjectIssue && keys.length > 0 && issue.received === "undefined" && issue.expected?.startsWith('"')) {
    const field = schemaAt(root, keys, inputs);
    const expected = field ? v.getDescription(unwrap(field)) : undefined;
    return { path, message: `is required${expected ? `: ${expected}` : ""}` };
  }
  if (isObjectIssue && keys.length > 0 && issue.expected === "never") {
    const parent = schemaAt(root, keys.slice(0, -1), inputs);
    const known = parent ? Object.keys(entriesOf(parent) ?? {}) : [];
    // the noun without the list of its fields some nouns carry ("prune options { olderThanMs, … }"): known lists them
    const noun = parent ? v.getDescription(unwrap(parent))?.replace(/ [({].*$/, "") : undefined;
    const key = String(keys[keys.length - 1]);
    const near = closest(key, known);
    const store = noun !== undefined && WORKER_NOUNS.has(noun) && STORE_OPTIONS.has(key);
    // a task definition has no function of its own: its worker, drain or processor takes it
    const fn = noun === "defineTask options" && FUNCTION_NAMES.has(key.toLowerCase());
    return {
      path,
      message: `is not a field of ${noun ?? "this object"}${
        store
          ? " (it is an option of createTaskQ)"
          : fn
          ? " (the task's function goes to its worker({ pfn }), drain({ pfn }) or processor(pfn))"
          : near
          ? ` (did you mean "${near}"?)`
          : ""
      }${known.length ? `; known: ${known.join(", ")}` : ""}`,
    };
  }
  if (isObjectIssue && keys.length === 0) {
    return { path, message: `${issue.message}, not ${describeValue(issue.input)}` };
  }
  return { path, message: issue.message };
}

/** Validates one named argument (e.g. a pid) against `schema`; throws naming `field` and what it must be. */
export function checkArg<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  field: string,
  code: BadInputCode = "invalid-task",
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const expected = v.getDescription(schema);
  const message = input === undefined && expected ? `is required: ${expected}` : result.issues[0].message;
  throw invalid(what, [{ path: field, message }], code);
}

/** A short, safe description of a refused value ("null", "an array", "a string"). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const t = typeof value;
  return t === "undefined" ? "undefined" : t === "object" ? "an object" : `a ${t}`;
}

function isObjectSchema(schema: v.GenericSchema): boolean {
  return /object$/.test(unwrap(schema).type);
}

/** An optional/nullable wrapper's inner schema (a piped schema keeps its root's fields). */
function unwrap(schema: v.GenericSchema): v.GenericSchema {
  let s = schema as v.GenericSchema & { wrapped?: v.GenericSchema };
  while (s.wrapped) s = s.wrapped as typeof s;
  return s;
}

function entriesOf(schema: v.GenericSchema): Record<string, v.GenericSchema> | undefined {
  return (unwrap(schema) as { entries?: Record<string, v.GenericSchema> }).entries;
}

/**
 * The schema of the field at `keys` below `root`, if it can be told.
 * `inputs[i]` is the object `keys[i]` was read from (the issue's path): it
 * says which option of a variant (`{ op: "fail", … }`) the object is, and
 * `inputs[keys.length]`, when given, that of the field's own value.
 */
function schemaAt(
  root: v.GenericSchema,
  keys: (string | number)[],
  inputs: unknown[] = [],
): v.GenericSchema | undefined {
  let s: v.GenericSchema | undefined = root;
  for (let i = 0; i <= keys.length && s; i++) {
    s = optionOf(s, inputs[i]);
    if (i === keys.length) break;
    const u = unwrap(s) as { entries?: Record<string, v.GenericSchema>; item?: v.GenericSchema };
    s = u.entries ? u.entries[keys[i] as string] : u.item;
  }
  return s;
}

/** The option of a variant schema that `input` is (by its discriminator), else the schema itself. */
function optionOf(schema: v.GenericSchema, input: unknown): v.GenericSchema {
  const u = unwrap(schema) as { type: string; key?: string; options?: v.GenericSchema[] };
  if (u.type !== "variant" || !u.key || !u.options || typeof input !== "object" || input === null) return schema;
  const tag = (input as Record<string, unknown>)[u.key];
  return u.options.find((o) => (entriesOf(o)?.[u.key!] as { literal?: unknown } | undefined)?.literal === tag) ??
    schema;
}
