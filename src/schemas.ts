/**
 * valibot schemas of every input sokka accepts, shared by the store, the
 * functional API and the HTTP routes, and `parseOrThrow`, which turns a
 * refusal into a `TaskError` naming each field and why.
 *
 * @module
 */

import * as v from "valibot";
import { type Issue, TaskError } from "./errors.ts";
import { STATUSES } from "./transitions.ts";

const MAX_INT32 = 2 ** 31 - 1;

/**
 * What a name may not contain: the C0 controls (NUL, TAB, CR, LF, …), DEL
 * and the C1 controls, the Unicode line and paragraph separators, and the
 * bidirectional controls (ALM, LRM, RLM, the embeddings, overrides and
 * isolates). The native driver cuts text at NUL where it reads a plain column
 * (a group-committed create of id "x\0z" was inserted, then reported
 * `task-already-exists`; /topics showed topic "nul\0byte" as "nul"); the
 * others break a line in a log, a terminal or a Prometheus label, or make one
 * name look like another in the dashboard, whose buttons act on the name.
 */
const NOT_IN_NAME = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069";
const BAD_NAME_CHAR = new RegExp(`[${NOT_IN_NAME}]`);
/**
 * A name as JSON Schema can say it (no flags, no lookaround): empty (the
 * length check says so), or no refused character, and whitespace neither
 * first nor last. A topic "email " would look like "email" everywhere it is
 * shown, and trimming it silently would change the caller's id.
 */
const NAME_PATTERN = new RegExp(`^(?:[^${NOT_IN_NAME}\\s](?:[^${NOT_IN_NAME}]*[^${NOT_IN_NAME}\\s])?)?$`);
/** A lone UTF-16 surrogate: SQLite stores it as U+FFFD, so the name read back would not be the name given. */
const LONE_SURROGATE = /\p{Cs}/u;

/** `U+000A`. */
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `name` does not match `NAME_PATTERN`: the first refused character and where, or its whitespace. */
function nameProblem(name: string): string {
  const bad = BAD_NAME_CHAR.exec(name);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    const kind = c < 0xa0
      ? "a control character"
      : c === 0x2028 || c === 0x2029
      ? "a line or paragraph separator"
      : "a bidirectional control";
    return `must not contain ${kind} (${codePoint(bad[0])} at index ${bad.index})`;
  }
  return name.trim() === "" ? "must not be only whitespace" : "must not begin or end with whitespace";
}

/** How many characters (Unicode code points, as SQLite's `length()` and JSON Schema's `maxLength` count) `s` has. */
export function charCount(s: string): number {
  let n = s.length;
  // each surrogate pair is one character in two UTF-16 units
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * At most `max` characters, counted as code points: 200 emoji are 200
 * characters, not the 400 UTF-16 units `v.maxLength` would count. Carries
 * `maxChars` so that the OpenAPI document says `maxLength` (which JSON
 * Schema counts the same way).
 */
export function maxChars(max: number) {
  // a string of at most `max` UTF-16 units has at most `max` characters: the common case counts nothing
  return Object.assign(
    v.check((s: string) => s.length <= max || charCount(s) <= max, `must be at most ${max} characters`),
    { maxChars: max },
  );
}

/**
 * A name (topics, sub-topics, task and group ids, pids, lease ids): 1 to 255
 * characters, none of them a control character (see `NOT_IN_NAME`), not
 * beginning or ending with whitespace, and well-formed Unicode.
 */
export const Name = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  maxChars(255),
  v.regex(NAME_PATTERN, (issue) => nameProblem(issue.input as string)),
  v.check((s) => !LONE_SURROGATE.test(s), (issue) => {
    const at = (issue.input as string).search(LONE_SURROGATE);
    return `must be well-formed Unicode (a lone surrogate ${codePoint((issue.input as string)[at])} at index ${at})`;
  }),
  v.description(
    "a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace",
  ),
);

/** A positive integer of at most 2^31−1 (milliseconds). */
export const PositiveMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(MAX_INT32, `must be at most ${MAX_INT32}`),
  v.description(`a whole number of milliseconds from 1 to ${MAX_INT32}`),
);

/** A non-negative integer of at most 2^31−1 (a snooze may be 0). */
export const NonNegativeMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(MAX_INT32, `must be at most ${MAX_INT32}`),
  v.description(`a whole number of milliseconds from 0 to ${MAX_INT32}`),
);

/** Longest accepted `taskDescription`. */
export const MAX_DESCRIPTION = 10_000;

export { LIVE_COUNT, STATUSES } from "./transitions.ts";

/**
 * An options object or definition with exactly these fields: a missing
 * required field, a field of the wrong type and an unknown field (a typo, or
 * an option this version does not have) are each refused by name.
 * `noun` says what the object is ("a task definition").
 */
export function fields<E extends v.ObjectEntries>(entries: E, noun: string) {
  return v.pipe(v.strictObject(entries, `must be ${noun}`), v.description(noun));
}

/**
 * Any array, its items checked one by one elsewhere. Not `v.array(v.unknown())`,
 * which walks and copies every item: 3.3 ms of a 10,000-task `createTasks`
 * (a cold process), for nothing.
 */
export const AnyArray = v.custom<unknown[]>((x) => Array.isArray(x), "must be an array");

/** A whole number from `min` to `max`, described for messages and docs. */
export function intRange(min: number, max: number, description = `a whole number from ${min} to ${max}`) {
  return v.pipe(
    v.number("must be a number"),
    v.integer("must be an integer"),
    v.minValue(min, min === 0 ? "must not be negative" : `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
    v.description(description),
  );
}

/** An exponential backoff's defaults: its first wait, and the most it grows to (as `sql.ts` applies them). */
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

/**
 * An ISO 8601 timestamp with its offset (`2026-12-05T12:00:00Z`,
 * `…+01:00`, `…+0100`, `…+01`; a space for the `T` is fine): epoch ms, or
 * null when it is not one or names no real date (`2026-02-31`). Read here,
 * not by `Date.parse`, which returns NaN for some forms the ISO pattern
 * allows (an hour-only offset) and rolls a 31st of February over into March.
 */
export function isoToEpochMs(s: string): number | null {
  const m = ISO_TIMESTAMP.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const lastDay = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !isLeap(y) ? 1 : 0);
  if (mo < 1 || mo > 12 || d < 1 || d > lastDay || h > 23 || mi > 59 || se > 59) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  at.setUTCHours(h, mi, se, ms);
  if (!m[8]) return at.getTime(); // Z
  const [oh, om] = [Number(m[9].slice(1)), m[10] ? Number(m[10]) : 0];
  if (oh > 23 || om > 59) return null;
  return at.getTime() - (m[9][0] === "+" ? 1 : -1) * (oh * 60 + om) * 60_000;
}
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|(([+-]\d{2})(?::?(\d{2}))?))$/;
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** What an ISO timestamp must look like, for messages. */
export const ISO_EXPECTED = 'an ISO 8601 timestamp of a real date with its offset, such as "2026-12-05T12:00:00Z" ' +
  'or "2026-12-05T13:00:00+01:00"';

/** A point in time: epoch ms, a Date, or (from JSON) an ISO 8601 string; always read as epoch ms, from 1970 on. */
const INSTANT = "a time: epoch milliseconds, a Date, or an ISO 8601 timestamp";
export const Instant = v.pipe(
  v.union([
    v.pipe(
      v.number(`must be ${INSTANT}`),
      v.integer("must be a whole number of epoch milliseconds"),
    ),
    v.pipe(
      v.date(`must be ${INSTANT}`),
      v.check((d) => !Number.isNaN(d.getTime()), "must be a valid Date, not Invalid Date"),
    ),
    v.pipe(
      v.string(`must be ${INSTANT}`),
      v.check(
        (s) => isoToEpochMs(s) !== null,
        (issue) => `must be ${ISO_EXPECTED}, not ${JSON.stringify(issue.input)}`,
      ),
    ),
  ], `must be ${INSTANT}`),
  v.transform((t): number => (typeof t === "number" ? t : typeof t === "string" ? isoToEpochMs(t)! : t.getTime())),
  // the same bounds however the time was given
  v.minValue(0, "must not be before 1970 (epoch milliseconds from 0)"),
  v.maxValue(Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER} (epoch milliseconds)`),
  v.description(INSTANT),
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
}, "a task definition");

/** Epoch milliseconds (a listing bound). */
export const EpochMs = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, "must not be negative"),
  v.maxValue(Number.MAX_SAFE_INTEGER, "is too large"),
  v.description("a time in epoch milliseconds"),
);

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

/** A task status. */
export const Status = v.pipe(
  v.picklist(STATUSES, `must be one of ${STATUSES.join(", ")}`),
  v.description(`one of ${STATUSES.join(", ")}`),
);

/** Filters of a listing. */
export const ListFiltersSchema = fields({
  topic: v.optional(Name),
  subTopic: v.optional(Name),
  taskGroupId: v.optional(Name),
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

/** A record version (optimistic concurrency). */
export const RecordVer = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.description("the task's recordVer, a whole number from 1"),
);

/**
 * Longest error text a task keeps: a failure's message (`failed(text)`,
 * `fail(…, error)`, the HTTP fail routes), a thrown error, a cancel reason.
 * Longer text is not refused but cut (see `capErrorText`).
 */
export const MAX_ERROR_CHARS = 4_000;
/** The end of cut error text. */
export const TRUNCATED = "…(truncated)";

/**
 * `text` as stored: itself, or when longer than {@link MAX_ERROR_CHARS} its
 * start cut to end in {@link TRUNCATED}, `MAX_ERROR_CHARS` long
 * (one shorter rather than between the two halves of a surrogate pair). Cut rather than
 * refused: the text is evidence of a failure, and refusing it would lose the
 * failure itself (a worker's `failed(hugeText)` would leave its task running
 * until the lease ran out, then run it again). Its start says what went wrong.
 */
export function capErrorText(text: string): string {
  if (text.length <= MAX_ERROR_CHARS) return text;
  let end = MAX_ERROR_CHARS - TRUNCATED.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose low half would be cut off
  return text.slice(0, end) + TRUNCATED;
}

/** A free-text error message of a failed task (or a cancel reason), stored cut to its first 4,000 characters. */
export const ErrorMessage = v.pipe(
  v.string("must be a string"),
  v.description(
    `a string; only its first ${MAX_ERROR_CHARS} characters are kept (longer text is cut, ending in "${TRUNCATED}")`,
  ),
);

/** The codes of a bad input. */
export type BadInputCode =
  | "invalid-task"
  | "invalid-options"
  | "invalid-outcome"
  | "invalid-query"
  | "invalid-request"
  | "invalid-cursor";

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

/** One valibot issue as a sokka `Issue` (dotted path and message). */
export function toIssue(issue: v.BaseIssue<unknown>): Issue {
  return { path: v.getDotPath(issue) ?? "", message: issue.message };
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
    const near = closest(String(keys[keys.length - 1]), known);
    return {
      path,
      message: `is not a field of ${noun ?? "this object"}${near ? ` (did you mean "${near}"?)` : ""}${
        known.length ? `; known: ${known.join(", ")}` : ""
      }`,
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
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const expected = v.getDescription(schema);
  const message = input === undefined && expected ? `is required: ${expected}` : result.issues[0].message;
  throw invalid(what, [{ path: field, message }]);
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

/**
 * Names other queues and habits use for a field sokka names otherwise
 * ("payload" for `data`): suggested when the field exists where the typo was.
 */
const ALIASES: Record<string, string[]> = {
  data: ["payload", "body", "args", "params", "input"],
  topic: ["queue", "queuename", "name", "handler", "task", "type", "job"],
  taskId: ["id", "jobid", "key"],
  taskGroupId: ["groupid", "group", "batchid", "batch"],
  taskDescription: ["description", "desc", "label", "title"],
  maxAttempts: ["attempts", "retries", "maxretries", "retry", "tries"],
  runAt: ["runafter", "scheduledat", "scheduledfor", "startafter", "at", "when"],
  delayMs: ["delay", "wait", "startin"],
  timeoutMs: ["timeout", "ttl", "expirein"],
  priority: ["prio", "pri"],
  status: ["state"],
};

/**
 * The known name closest to `name`: what other queues call it (`ALIASES`:
 * "payload" → "data"), else one within edit distance 1, else one it is the
 * start, end or inside of, or that starts with it (at least 3 letters each:
 * "timeout" → "timeoutMs", "description" → "taskDescription"), else the
 * nearest by edit distance (at most a third of its length, at least 2);
 * undefined when none is close.
 */
export function closest(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  const alias = known.find((k) => ALIASES[k]?.includes(lower));
  if (alias) return alias;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best && bestDistance <= 1) return best;
  // the shortest known name that contains it, or that it contains, each at least 3 letters long
  const related = lower.length >= 3
    ? known
      .filter((k) => k.length >= 3 && (k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase())))
      .sort((a, b) => a.length - b.length)[0]
    : undefined;
  return related ?? best;
}

/** Levenshtein distance (names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
