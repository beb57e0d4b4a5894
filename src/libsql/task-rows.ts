/**
 * Task definitions validated into the rows the inserts take
 * (`statements/insert.ts`), and the Task a row becomes once inserted.
 *
 * @module
 */

import { encodeData } from "../data.ts";
import { TaskError } from "../errors.ts";
import { newId } from "../ids.ts";
import { invalid, parseOrThrow, TaskDefSchema } from "../schemas.ts";
import type { Task, TaskDef } from "../types.ts";
import { DEFAULT_SUB_TOPIC } from "./statements/fragments.ts";
import { type BareRow, R, type TaskRow } from "./statements/insert.ts";

/** The fields of a task definition other than `topic` and `data`: a bare definition has none of them. */
const OTHER_FIELDS = Object.keys(TaskDefSchema.entries).filter((k) => k !== "topic" && k !== "data");

/**
 * Whether `x` is a plain object whose only keys are `topic` and perhaps
 * `data` (a bare definition), as valibot's strict object sees keys (given
 * `prototypeClean()`): valibot's verdict on one depends on its topic alone
 * (`data` is checked by `encodeData`).
 */
function isBareDef(x: unknown): x is { topic: string; data?: unknown } {
  if (typeof x !== "object" || x === null || Object.getPrototypeOf(x) !== Object.prototype) return false;
  let keys = 0;
  // `for…in`, as valibot looks for unknown keys: inherited enumerable ones included
  for (const k in x) {
    if (k !== "topic" && k !== "data") return false;
    keys++;
  }
  // valibot reads each field it knows with `in`: a non-enumerable own one counts too (one count here, not a
  // lookup per field: those cost ~0.3 µs a definition, a sixth of a bulk create's time per task)
  return keys > 0 && "topic" in x && Object.getOwnPropertyNames(x).length === keys;
}

/** Whether `Object.prototype` carries no field of a definition (valibot would read an inherited one): once per call. */
function prototypeClean(): boolean {
  for (const k of OTHER_FIELDS) if (k in Object.prototype) return false;
  return true;
}

/**
 * The topic of the last bare definition valibot accepted (`toRow`): creating
 * one by one, each of a topic seen before skips valibot (a third of a
 * `createTask`'s own time: ~3 µs of ~10 µs per create, profiled on Node).
 */
let bareTopicAccepted: string | undefined;

/**
 * Validates a task definition into its row; with `short`, a plain one is only
 * its first seven fields (a bulk insert then stringifies it as it is, with no
 * copy).
 */
export function toRow(input: unknown, maxDataBytes: number, what: string, short = false): TaskRow {
  const bare = isBareDef(input);
  // read once: what is compared is what is stored (a getter could answer differently each time)
  const topic = bare ? input.topic : undefined;
  if (bare && topic !== undefined && topic === bareTopicAccepted && prototypeClean()) {
    // valibot accepted this topic in a bare definition before: its verdict on this one is the same
    const given = input.data;
    const data = encodeData(given === undefined ? null : given, maxDataBytes, what);
    const row: TaskRow = [newId(), null, null, topic, DEFAULT_SUB_TOPIC, null, data];
    if (!short) row.push(null, null, null, null, null, null);
    return row;
  }
  // a bare definition goes to valibot as what was read (its topic read once, here or above); the copy
  // inherits from Object.prototype as the definition does, so valibot's verdict is the same
  const def = parseOrThrow(
    TaskDefSchema,
    bare ? ("data" in input ? { topic, data: input.data } : { topic }) : input,
    what,
  );
  if (bare) bareTopicAccepted = def.topic;
  if (def.runAt !== undefined && def.delayMs !== undefined) {
    throw invalid(what, [{ path: "delayMs", message: "cannot be given with runAt: give one of them" }]);
  }
  const data = encodeData(def.data === undefined ? null : def.data, maxDataBytes, what);
  const taskId = def.taskId ?? newId();
  const row: TaskRow = [
    taskId,
    // null: its own group, stored as NULL (see the schema)
    def.taskGroupId === undefined || def.taskGroupId === taskId ? null : def.taskGroupId,
    def.taskDescription ?? null,
    def.topic,
    def.subTopic ?? DEFAULT_SUB_TOPIC,
    def.timeoutMs ?? null,
    data,
  ];
  if (
    short && def.priority === undefined && def.maxAttempts === undefined && def.backoff === undefined &&
    def.delayMs === undefined && def.runAt === undefined && def.partitionKey === undefined
  ) {
    return row;
  }
  row.push(
    def.priority ?? null,
    def.maxAttempts ?? null,
    def.backoff === undefined ? null : JSON.stringify(def.backoff),
    def.delayMs ?? null,
    def.runAt ?? null,
    def.partitionKey ?? null,
  );
  return row;
}

/** A `createTasks` call of bare definitions of one topic: each task's id and data JSON. */
export interface BareBatch {
  topic: string;
  rows: BareRow[];
}

/**
 * `list` as a bare batch when every definition in it is bare (see
 * `isBareDef`) with the first one's topic; else null. valibot checks the
 * first definition only: its verdict holds for the others, so a large call
 * skips valibot per definition and builds no full rows.
 */
export function bareBatch(list: unknown[], maxDataBytes: number): BareBatch | null {
  const first = list[0];
  if (!isBareDef(first) || !prototypeClean()) return null;
  const rows: BareRow[] = new Array(list.length);
  let i = 0;
  try {
    const topic = parseOrThrow(TaskDefSchema, first, "createTasks").topic;
    for (; i < list.length; i++) {
      const def = list[i];
      if (!isBareDef(def) || def.topic !== topic) return null;
      rows[i] = [newId(), encodeData(def.data === undefined ? null : def.data, maxDataBytes, "createTasks")];
    }
    return { topic, rows };
  } catch (e) {
    throw atIndex(e, i);
  }
}

/** The rows of `createTasks(list)`, short where plain (see `toRow`); the ids the caller gave go into `given`, with their index. */
export function fullRows(list: unknown[], maxDataBytes: number, given: Map<string, number>): TaskRow[] {
  const rows: TaskRow[] = new Array(list.length);
  let i = 0;
  try {
    for (; i < list.length; i++) rows[i] = toRow(list[i], maxDataBytes, "createTasks", true);
  } catch (e) {
    throw atIndex(e, i);
  }
  for (i = 0; i < rows.length; i++) {
    if ((list[i] as TaskDef).taskId === undefined) continue;
    const id = rows[i][R.taskId];
    if (given.has(id)) throw invalid("createTasks", [{ path: `${i}.taskId`, message: `repeats task id ${id}` }]);
    given.set(id, i);
  }
  return rows;
}

/**
 * `e`, thrown for the `i`th definition of a `createTasks` call, naming it in
 * its message and as `details.index` (so a caller that sent the list, e.g.
 * `POST /tasks/batch`, can name the item in its own terms). Built only on
 * failure: a name built for every definition costs a cold bulk create.
 */
export function atIndex(e: unknown, i: number): unknown {
  if (!(e instanceof TaskError)) return e;
  const message = e.message.replace(/^createTasks/, `createTasks [${i}]`);
  const details = e.details && typeof e.details === "object" ? { ...e.details, index: i } : { index: i };
  return new TaskError(e.type, e.code, message, { details, issues: e.issues, cause: e.cause });
}

/** The Task just inserted from its row and the time the database gave it. */
export function newTask<D>(r: TaskRow, at: number): Task<D> {
  const backoff = r[R.backoffJson];
  return {
    taskId: r[R.taskId],
    taskGroupId: r[R.taskGroupId] ?? r[R.taskId],
    taskDescription: r[R.taskDescription],
    topic: r[R.topic],
    subTopic: r[R.subTopic],
    status: "starting",
    pid: null,
    lastPid: null,
    recordVer: 1,
    error: null,
    snoozeTime: null,
    timeoutMs: r[R.timeoutMs],
    data: JSON.parse(r[R.dataJson]) as D,
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    leaseId: null,
    leaseExpiresAt: null,
    // a short (plain) row has no fields past `dataJson`
    priority: r[R.priority] ?? 0,
    maxAttempts: r[R.maxAttempts] ?? null,
    backoff: backoff == null ? null : JSON.parse(backoff),
    failures: 0,
    runAt: r[R.runAt] ?? at + (r[R.delayMs] ?? 0),
    result: null,
    scheduleName: null,
    slotAt: null,
    uniqueKey: null,
    unique: null,
    dependsOn: [],
    onDependencyFailure: null,
    followUpOf: null,
    partitionKey: r[R.partitionKey] ?? null,
  };
}
