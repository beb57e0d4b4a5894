/**
 * Creating tasks: `createTask` with group commit (concurrent creates on one
 * store go out as ONE statement, each caller still getting its own Task or
 * its own error) and `createTasks` in chunks of 1,000 rows, all or nothing.
 *
 * @module
 */

import { oneRow, type Result, type Statement } from "./driver.ts";
import { encodeData } from "../data.ts";
import { TaskError } from "../errors.ts";
import { newId } from "../ids.ts";
import { AnyArray, invalid, parseOrThrow, TaskDefSchema } from "../schemas.ts";
import { NextTurn } from "../turns.ts";
import type { Task, TaskDef } from "../types.ts";
import { classifyDriverError } from "./driver-errors.ts";
import type { StoreContext } from "./context.ts";
import * as sql from "./sql.ts";

/** A task row: see `INSERT_COLUMNS` in sql.ts for its order. */
type Row = (string | number | null)[];

/** A `createTask` call waiting for its statement. */
interface PendingCreate {
  row: Row;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** Rows per INSERT statement of `createTasks`. */
const INSERT_CHUNK = 1000;

/** Whether a row gives none of the five later fields (see `PLAIN_ROW_VALUES`). */
const isPlain = (r: Row) =>
  r.length === 7 || (r[7] === null && r[8] === null && r[9] === null && r[10] === null && r[11] === null);

/** The three forms of one insert statement, by the rows they take (see `INSERT_COLUMNS` in sql.ts). */
interface RowStatements {
  full: string;
  plain: string;
  bare: string;
}
const ALL_OR_NOTHING: RowStatements = {
  full: sql.INSERT_TASKS_JSON,
  plain: sql.INSERT_PLAIN_TASKS_JSON,
  bare: sql.INSERT_BARE_TASKS_JSON,
};
const EACH: RowStatements = {
  full: sql.INSERT_TASKS_EACH,
  plain: sql.INSERT_PLAIN_TASKS_EACH,
  bare: sql.INSERT_BARE_TASKS_EACH,
};

/** Whether a plain row gives only its id, topic and data (see `BARE_ROW_VALUES`). */
const isBare = (r: Row, topic: Row[number]) =>
  r[1] === null && r[2] === null && r[3] === topic && r[4] === sql.DEFAULT_SUB_TOPIC && r[5] === null && isPlain(r);

/**
 * The statement for `rows`, in its leanest form: bare when every row only
 * names its id, topic (the same one) and data; plain when no row gives a
 * later field (see `PLAIN_ROW_VALUES`); else full.
 */
function rowsStatement(rows: Row[], forms: RowStatements): Statement {
  const topic = rows[0][3];
  if (rows.every((r) => isBare(r, topic))) {
    return { sql: forms.bare, args: [JSON.stringify(rows.map((r) => [r[0], r[6]])), topic] };
  }
  if (rows.every(isPlain)) {
    const plain = rows.every((r) => r.length === 7) ? rows : rows.map((r) => r.slice(0, 7));
    return { sql: forms.plain, args: [JSON.stringify(plain)] };
  }
  const full = rows.map((r) => (r.length === 7 ? [...r, null, null, null, null, null] : r));
  return { sql: forms.full, args: [JSON.stringify(full)] };
}

/**
 * Whether `x` is a plain object whose only keys are `topic` and perhaps
 * `data` (a bare definition): valibot's verdict on one depends on its topic
 * alone (`data` is checked by `encodeData`).
 */
function isBareDef(x: unknown): x is { topic: string; data?: unknown } {
  if (typeof x !== "object" || x === null || Object.getPrototypeOf(x) !== Object.prototype) return false;
  let keys = 0;
  // `for…in`, as valibot's strict object looks at keys, inherited enumerable ones included
  for (const k in x) {
    if (k !== "topic" && k !== "data") return false;
    keys++;
  }
  return keys > 0 && "topic" in x;
}

/**
 * Validates a task definition into its row (see `INSERT_COLUMNS` in sql.ts);
 * with `short`, a plain one is only its first seven fields (a bulk insert
 * then stringifies it as it is, with no copy).
 */
function toRow(input: unknown, maxDataBytes: number, what: string, short = false): Row {
  const def = parseOrThrow(TaskDefSchema, input, what);
  if (def.runAt !== undefined && def.delayMs !== undefined) {
    throw invalid(what, [{ path: "delayMs", message: "cannot be given with runAt: give one of them" }]);
  }
  const data = encodeData(def.data === undefined ? null : def.data, maxDataBytes, what);
  const taskId = def.taskId ?? newId();
  const row: Row = [
    taskId,
    // null: its own group, stored as NULL (see the schema)
    def.taskGroupId === undefined || def.taskGroupId === taskId ? null : def.taskGroupId,
    def.taskDescription ?? null,
    def.topic,
    def.subTopic ?? sql.DEFAULT_SUB_TOPIC,
    def.timeoutMs ?? null,
    data,
  ];
  if (
    short && def.priority === undefined && def.maxAttempts === undefined && def.backoff === undefined &&
    def.delayMs === undefined && def.runAt === undefined
  ) {
    return row;
  }
  row.push(
    def.priority ?? null,
    def.maxAttempts ?? null,
    def.backoff === undefined ? null : JSON.stringify(def.backoff),
    def.delayMs ?? null,
    def.runAt ?? null,
  );
  return row;
}

/** A `createTasks` call of bare definitions of one topic: each task's id and data JSON. */
interface BareBatch {
  topic: string;
  rows: [taskId: string, data: string][];
}

/**
 * `list` as a bare batch when every definition in it is bare (see
 * `isBareDef`) with the first one's topic; else null. valibot checks the
 * first definition only: its verdict holds for the others, so a 10,000-task
 * call skips ~1.2 µs of valibot per definition (a cold process: a fifth of
 * the call) and builds no full rows.
 */
function bareBatch(list: unknown[], maxDataBytes: number): BareBatch | null {
  const first = list[0];
  if (!isBareDef(first)) return null;
  const rows: BareBatch["rows"] = new Array(list.length);
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
function fullRows(list: unknown[], maxDataBytes: number, given: Map<string, number>): Row[] {
  const rows: Row[] = new Array(list.length);
  let i = 0;
  try {
    for (; i < list.length; i++) rows[i] = toRow(list[i], maxDataBytes, "createTasks", true);
  } catch (e) {
    throw atIndex(e, i);
  }
  for (i = 0; i < rows.length; i++) {
    if ((list[i] as TaskDef).taskId === undefined) continue;
    const id = rows[i][0] as string;
    if (given.has(id)) throw invalid("createTasks", [{ path: `${i}.taskId`, message: `repeats task id ${id}` }]);
    given.set(id, i);
  }
  return rows;
}

/**
 * `e`, thrown for the `i`th definition of a `createTasks` call, naming it in
 * its message and as `details.index` (so a caller that sent the list, e.g.
 * `POST /tasks/batch`, can name the item in its own terms). Built only on
 * failure: a name built for every definition cost `createTasks(10,000)` 6 %
 * in a cold process, A/B medians of 11: 142.9k -> 152.3k/s.
 */
function atIndex(e: unknown, i: number): unknown {
  if (!(e instanceof TaskError)) return e;
  const message = e.message.replace(/^createTasks/, `createTasks [${i}]`);
  const details = e.details && typeof e.details === "object" ? { ...e.details, index: i } : { index: i };
  return new TaskError(e.type, e.code, message, { details, issues: e.issues, cause: e.cause });
}

/** The Task just inserted from its row and the time the database gave it. */
function newTask<D>(r: Row, at: number): Task<D> {
  return {
    taskId: r[0] as string,
    taskGroupId: (r[1] ?? r[0]) as string,
    taskDescription: r[2] as string | null,
    topic: r[3] as string,
    subTopic: r[4] as string,
    status: "starting",
    pid: null,
    lastPid: null,
    recordVer: 1,
    error: null,
    snoozeTime: null,
    timeoutMs: r[5] as number | null,
    data: JSON.parse(r[6] as string) as D,
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    leaseId: null,
    leaseExpiresAt: null,
    // a short (plain) row has no fields past the seventh
    priority: (r[7] as number | null | undefined) ?? 0,
    maxAttempts: (r[8] as number | null | undefined) ?? null,
    backoff: r[9] == null ? null : JSON.parse(r[9] as string),
    failures: 0,
    runAt: (r[11] as number | null | undefined) ?? at + ((r[10] as number | null | undefined) ?? 0),
    result: null,
  };
}

/** The creates of one store. */
export class Creates {
  readonly #ctx: StoreContext;
  /** `createTask` calls waiting for the one under way (group commit). */
  #pending: PendingCreate[] = [];
  #sending = false;
  /** When the last create statement returned (performance.now()). */
  #createdAt = -Infinity;
  /** Whether this is still the macrotask in which the last create statement returned. */
  #sameTurn = false;
  readonly #turns = new NextTurn();

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  create<D>(def: TaskDef<D>): Promise<Task<D>> {
    let row: Row;
    try {
      row = toRow(def, this.#ctx.maxDataBytes, "createTask");
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Task<D>>((resolve, reject) => {
      this.#pending.push({ row, resolve: resolve as (t: Task) => void, reject });
      if (this.#sending) return;
      this.#sending = true;
      // Under load from separate events (HTTP requests, one per socket event), wait one macrotask so
      // the creates of this event-loop turn go out as one statement: the embedded driver runs a statement
      // synchronously, so none would ever arrive "while one is in flight". A lone create (idle for 2 ms)
      // and a caller awaiting creates one by one (still in the turn of the last answer) go at once.
      if (!this.#sameTurn && performance.now() - this.#createdAt < 2) this.#turns.schedule(() => this.#send());
      else void this.#send();
    });
  }

  /**
   * Group commit: the first `createTask` goes out at once; those that arrive
   * while it is under way go out together as ONE statement when it returns,
   * each caller still getting its own Task, or its own error (an existing id
   * refuses only its caller).
   */
  async #send(): Promise<void> {
    try {
      while (this.#pending.length) {
        // a task id at most once per statement: a repeat waits for the next one, and then conflicts
        const batch: PendingCreate[] = [];
        const rest: PendingCreate[] = [];
        const ids = new Set<string>();
        for (const c of this.#pending) {
          const id = c.row[0] as string;
          (ids.has(id) ? rest : batch).push(c);
          ids.add(id);
        }
        this.#pending = rest;
        try {
          await this.#insert(batch);
        } catch (e) {
          for (const c of batch) c.reject(e);
        }
      }
    } finally {
      this.#sending = false;
      this.#createdAt = performance.now();
      if (!this.#sameTurn) {
        this.#sameTurn = true;
        this.#turns.schedule(() => (this.#sameTurn = false));
      }
    }
  }

  /** One statement for `batch`; each caller gets its task, or `task-already-exists` for an existing id. */
  async #insert(batch: PendingCreate[]): Promise<void> {
    const times = new Map<string, number>();
    if (batch.length === 1) {
      const rs = await this.#ctx.run(oneRow(sql.INSERT_TASK, batch[0].row), "write", "createTask");
      if (rs.rows.length) times.set(batch[0].row[0] as string, Number(rs.rows[0].created_at));
    } else {
      const stmt = rowsStatement(batch.map((c) => c.row), EACH);
      const rs = await this.#ctx.run(stmt, "write", "createTask", batch.length);
      for (const r of rs.rows) times.set(r.task_id as string, Number(r.created_at));
    }
    const made = new Map<PendingCreate, Task>();
    for (const c of batch) {
      const at = times.get(c.row[0] as string);
      if (at !== undefined) made.set(c, newTask(c.row, at));
    }
    if (this.#ctx.listening()) this.#ctx.announce(made.values());
    for (const c of batch) {
      const t = made.get(c);
      if (t) c.resolve(t);
      else {
        c.reject(
          new TaskError(
            "conflict",
            "task-already-exists",
            `createTask: task ${c.row[0]} already exists; nothing was overwritten`,
          ),
        );
      }
    }
  }

  /** Many tasks, all or none, in one round trip: a statement per 1,000 rows, each followed by its rows' time. */
  async createMany<D>(defs: TaskDef<D>[]): Promise<Task<D>[]> {
    const list = parseOrThrow(AnyArray, defs, "createTasks");
    if (!list.length) return [];
    const bare = bareBatch(list, this.#ctx.maxDataBytes);
    // ids the caller gave: only these can repeat or exist already (made ones carry 77 random bits)
    const given = new Map<string, number>();
    const rows = bare ? null : fullRows(list, this.#ctx.maxDataBytes, given);
    const stmts: Statement[] = [];
    for (let i = 0; i < list.length; i += INSERT_CHUNK) {
      if (bare) {
        const chunk = JSON.stringify(bare.rows.slice(i, i + INSERT_CHUNK));
        stmts.push({ sql: sql.INSERT_BARE_TASKS_JSON, args: [chunk, bare.topic] });
      } else stmts.push(rowsStatement(rows!.slice(i, i + INSERT_CHUNK), ALL_OR_NOTHING));
      stmts.push(oneRow(sql.CREATED_AT, [bare ? bare.rows[i][0] : rows![i][0]]));
    }
    let results: Result[];
    try {
      results = await this.#ctx.batch(stmts, "write", stmts.length, "createTasks");
    } catch (e) {
      // a constraint is a conflict only when given ids exist; any other (a CHECK, NOT NULL) is reported as it is
      if (classifyDriverError((e as TaskError).cause) === "constraint") throw await this.#taken(given) ?? e;
      throw e;
    }
    const created: Task<D>[] = new Array(list.length);
    // a bare batch's rows go through one full row, filled in for each (10,000 of them cost ~3 ms cold)
    const full: Row = bare ? [null, null, null, bare.topic, sql.DEFAULT_SUB_TOPIC, null, null] : [];
    let at = 0;
    for (let i = 0; i < list.length; i++) {
      if (i % INSERT_CHUNK === 0) at = Number(results[2 * (i / INSERT_CHUNK) + 1].rows[0].created_at);
      if (bare) {
        const row = bare.rows[i];
        full[0] = row[0];
        full[6] = row[1];
      }
      created[i] = newTask(bare ? full : rows![i], at);
    }
    if (this.#ctx.listening()) this.#ctx.announce(created);
    return created;
  }

  /** The conflict of a `createTasks` that hit existing ids, naming them (one read); null when none of `ids` exists. */
  async #taken(ids: Map<string, number>): Promise<TaskError | null> {
    if (!ids.size) return null;
    const rs = await this.#ctx.run(
      { sql: sql.EXISTING_IDS_JSON, args: [JSON.stringify([...ids.keys()])] },
      "read",
      "createTasks",
    );
    const taken = rs.rows.map((r) => r.task_id as string);
    if (!taken.length) return null;
    return new TaskError(
      "conflict",
      "task-already-exists",
      `createTasks: task(s) ${taken.slice(0, 10).join(", ")} already exist; nothing was created`,
      {
        details: { taskIds: taken },
        // which definitions they were (POST /tasks/batch names them tasks.<i>.taskId)
        issues: taken.map((id) => ({
          path: `${ids.get(id)}.taskId`,
          message: `${id} already exists; nothing was created`,
        })),
      },
    );
  }

  close(): void {
    this.#turns.close();
  }
}
