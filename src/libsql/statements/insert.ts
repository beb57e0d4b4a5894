/**
 * Creating tasks: one task (`INSERT_TASK`), and many from ONE JSON-array
 * argument in three row forms (full, plain, bare) and two modes (all or
 * nothing for `createTasks`, each row on its own for a group commit of
 * `createTask` calls), with the rows they take.
 *
 * @module
 */

import { oneRow, type OneRowStatement, type Statement, type Value } from "../../drivers/driver.ts";
import { TRANSITIONS } from "../../transitions.ts";
import { DEFAULT_SUB_TOPIC, NOW } from "./fragments.ts";
import { lit } from "./guards.ts";

/**
 * A task row: its fields at these places (`value ->> i` in a JSON row, `?i+1`
 * for `INSERT_TASK`). A plain row stops after `dataJson` (a short row, as a
 * bulk insert sends it) or has null in every later field.
 */
export const R = {
  taskId: 0,
  taskGroupId: 1,
  taskDescription: 2,
  topic: 3,
  subTopic: 4,
  timeoutMs: 5,
  dataJson: 6,
  priority: 7,
  maxAttempts: 8,
  backoffJson: 9,
  delayMs: 10,
  runAt: 11,
  partitionKey: 12,
} as const;

/** A task row (see `R`); `ready_at` is `runAt`, else creation + `delayMs`. */
export type TaskRow = [
  taskId: string,
  /** null: the task's own group (see the schema) */
  taskGroupId: string | null,
  taskDescription: string | null,
  topic: string,
  subTopic: string,
  timeoutMs: number | null,
  dataJson: string,
  priority?: number | null,
  maxAttempts?: number | null,
  backoffJson?: string | null,
  delayMs?: number | null,
  runAt?: number | null,
  partitionKey?: string | null,
];

/** A bare row: a task of the statement's topic (?2) that gives nothing but its id and data. */
export type BareRow = [taskId: string, dataJson: string];

/** How a statement reads a row's fields (null: this form does not carry the field). */
type Fields = Record<keyof typeof R, string | null>;
type Form = "full" | "plain" | "bare";

/** The fields of a row form, each read by `read(place)`. */
function fieldsOf(form: Form, read: (i: number) => string): Fields {
  const all = Object.fromEntries(Object.entries(R).map(([k, i]) => [k, read(i)])) as Fields;
  // a plain row gives none of the six later fields: every `->>` parses its row again, so they are not read
  if (form === "plain") {
    return {
      ...all,
      priority: null,
      maxAttempts: null,
      backoffJson: null,
      delayMs: null,
      runAt: null,
      partitionKey: null,
    };
  }
  if (form === "full") return all;
  const none = Object.fromEntries(Object.keys(R).map((k) => [k, null])) as Fields;
  return { ...none, taskId: read(0), topic: "?2", subTopic: `'${DEFAULT_SUB_TOPIC}'`, dataJson: read(1) };
}

/** The columns a create writes. */
const INSERT_COLUMNS =
  "task_id, task_group_id, task_description, topic, sub_topic, status, record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at, priority, max_attempts, backoff, partition_key";

/**
 * The values of `INSERT_COLUMNS` from `f` and the clock (`now`: a column of
 * the statement's source, or `NOW` itself); `sep` splits the task's from the
 * clock's.
 */
function valuesOf(f: Fields, sep: string, now = "now"): string {
  const readyAt = f.runAt === null && f.delayMs === null
    ? now
    : `coalesce(${f.runAt}, ${now} + coalesce(${f.delayMs}, 0))`;
  const task = [
    f.taskId,
    f.taskGroupId ?? "NULL",
    f.taskDescription ?? "NULL",
    f.topic,
    f.subTopic,
    lit(TRANSITIONS.createTask.to[0]),
    "1",
    f.timeoutMs ?? "NULL",
    f.dataJson,
  ];
  const clock = [
    now,
    now,
    "0",
    readyAt,
    f.priority === null ? "0" : `coalesce(${f.priority}, 0)`,
    f.maxAttempts ?? "NULL",
    f.backoffJson ?? "NULL",
    f.partitionKey ?? "NULL",
  ];
  return task.join(", ") + sep + clock.join(", ");
}

const INSERT = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})\n  SELECT`;
const INSERT_VALUES = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})\n  VALUES`;
const EACH_ROW = "ON CONFLICT (task_id) DO NOTHING";

/**
 * One task, its row `?1…?13` (`R`); returns only its time (the caller knows
 * every other field). `ON CONFLICT DO NOTHING`: an existing id returns no row
 * and nothing is overwritten. A VALUES row reading `NOW` for each time, not
 * a SELECT from a one-row clock: SQLite reads the clock once per step (every
 * `unixepoch` of one statement gives the same time), and the SELECT form cost
 * SQLite about 28 % more instructions per create (`node bench/create-cost.mjs
 * --instructions`).
 */
export const INSERT_TASK = `${INSERT_VALUES} (${valuesOf(fieldsOf("full", (i) => `?${i + 1}`), ", ", NOW)})
  ${EACH_ROW}
  RETURNING created_at`;

/** One task of a full row (`toRow` without `short`: every field given, null where absent). */
export const insertTask = (row: TaskRow): OneRowStatement => oneRow(INSERT_TASK, row as Value[]);

const jsonValues = (form: Form) => valuesOf(fieldsOf(form, (i) => `value ->> ${i}`), ",\n         ");

/**
 * Many tasks from ONE JSON-array argument ?1 (of topic ?2 for bare rows),
 * all or nothing: a duplicate aborts the whole statement. No RETURNING (the
 * driver's per-row cost of returned columns would dominate): the caller knows
 * every field but the time, which `CREATED_AT` reads back; every row of one
 * statement gets the same time.
 */
const ALL_OR_NOTHING = (form: Form) =>
  `${INSERT} ${jsonValues(form)}
  FROM json_each(?1), (SELECT ${NOW} AS now)`;

/**
 * Concurrent `createTask` calls as one statement (group commit): each row
 * kept or skipped on its own (an existing id skips only its row), returning
 * the id and time of every row written.
 */
const EACH = (form: Form) =>
  `${INSERT} ${jsonValues(form)}
  FROM json_each(?1), (SELECT ${NOW} AS now) WHERE true
  ${EACH_ROW}
  RETURNING task_id, created_at`;

/** The insert statements of many rows, by mode and row form. */
export const INSERT_TASKS: Record<"allOrNothing" | "each", Record<Form, string>> = {
  allOrNothing: { full: ALL_OR_NOTHING("full"), plain: ALL_OR_NOTHING("plain"), bare: ALL_OR_NOTHING("bare") },
  each: { full: EACH("full"), plain: EACH("plain"), bare: EACH("bare") },
};

/** ?1 a task id: its creation time (read after an insert without RETURNING). */
export const CREATED_AT = "SELECT created_at FROM sokka_tasks WHERE task_id = ?1";

/** ?1 a JSON array of task ids: those that exist. */
export const EXISTING_IDS_JSON = "SELECT task_id FROM sokka_tasks WHERE task_id IN (SELECT value FROM json_each(?1))";

/** Whether a row gives none of the six later fields. */
const isPlain = (r: TaskRow) =>
  r.length === 7 ||
  (r[R.priority] === null && r[R.maxAttempts] === null && r[R.backoffJson] === null && r[R.delayMs] === null &&
    r[R.runAt] === null && (r[R.partitionKey] ?? null) === null);

/** Whether a row gives only its id, the topic and its data. */
const isBare = (r: TaskRow, topic: string) =>
  r[R.taskGroupId] === null && r[R.taskDescription] === null && r[R.topic] === topic &&
  r[R.subTopic] === DEFAULT_SUB_TOPIC && r[R.timeoutMs] === null && isPlain(r);

/** A bulk of bare rows of `topic`, all or nothing. */
export const bareInsert = (rowsJson: string, topic: string): Statement => ({
  sql: INSERT_TASKS.allOrNothing.bare,
  args: [rowsJson, topic],
});

/**
 * The statement inserting `rows` in `mode`, in its leanest form: bare when
 * every row only names its id, topic (the same one) and data; plain when no
 * row gives a later field; else full.
 */
export function rowsStatement(rows: TaskRow[], mode: "allOrNothing" | "each"): Statement {
  const forms = INSERT_TASKS[mode];
  const topic = rows[0][R.topic];
  if (rows.every((r) => isBare(r, topic))) {
    const bare: BareRow[] = rows.map((r) => [r[R.taskId], r[R.dataJson]]);
    return { sql: forms.bare, args: [JSON.stringify(bare), topic] };
  }
  if (rows.every(isPlain)) {
    const plain = rows.every((r) => r.length === 7) ? rows : rows.map((r) => r.slice(0, 7));
    return { sql: forms.plain, args: [JSON.stringify(plain)] };
  }
  const full = rows.map((r) => (r.length === 7 ? [...r, null, null, null, null, null, null] : r));
  return { sql: forms.full, args: [JSON.stringify(full)] };
}
