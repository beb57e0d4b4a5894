/**
 * Creating tasks: `createTask` with group commit (concurrent creates on one
 * store go out as ONE statement, each caller still getting its own Task or
 * its own error) and `createTasks` in chunks of 1,000 rows, all or nothing.
 *
 * @module
 */

import { oneRow, type Result, type Statement } from "../drivers/driver.ts";
import { TaskError } from "../errors.ts";
import { AnyArray, parseOrThrow } from "../schemas.ts";
import { NextTurn } from "../turns.ts";
import type { Enqueued, EnqueuedMany, Task, TaskDef } from "../types.ts";
import { createNode, createNodes, isRich, planNodes } from "./flows.ts";
import { classifyDriverError } from "./driver-errors.ts";
import type { StoreContext } from "./context.ts";
import { DEFAULT_SUB_TOPIC } from "./statements/fragments.ts";
import {
  bareInsert,
  CREATED_AT,
  EXISTING_IDS_JSON,
  insertTask,
  R,
  rowsStatement,
  type TaskRow,
} from "./statements/insert.ts";
import { type BareBatch, bareBatch, fullRows, newTask, toRow } from "./task-rows.ts";
import { jsonStringBound, MAX_ARG_BYTES, runs } from "./statements/chunks.ts";

/** A `createTask` call waiting for its statement. */
interface PendingCreate {
  row: TaskRow;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** Rows per INSERT statement of `createTasks` (fewer when their JSON would pass `MAX_ARG_BYTES`). */
const INSERT_CHUNK = 1000;

/**
 * A row's share of its statement's JSON argument, at most (its strings as
 * JSON strings, escapes included, its numbers and the JSON around them).
 */
function rowBytes(row: readonly unknown[]): number {
  let n = 64;
  for (const v of row) n += typeof v === "string" ? jsonStringBound(v) + 8 : 24;
  return n;
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
    if (isRich(def)) return createNode(this.#ctx, def).then((r) => r.task);
    let row: TaskRow;
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
        // and at most MAX_ARG_BYTES of rows: the rest go out in the next statement
        const batch: PendingCreate[] = [];
        const rest: PendingCreate[] = [];
        const ids = new Set<string>();
        let bytes = 0;
        for (const c of this.#pending) {
          const id = c.row[R.taskId];
          const size = rowBytes(c.row);
          if (ids.has(id) || (batch.length > 0 && bytes + size > MAX_ARG_BYTES)) rest.push(c);
          else {
            batch.push(c);
            bytes += size;
          }
          ids.add(id);
        }
        this.#pending = rest;
        try {
          // a lone create (the usual case one by one, or one left by a repeated id or a large row): the
          // single insert, none of a batch's bookkeeping
          if (batch.length === 1) await this.#insertOne(batch[0]);
          else await this.#insert(batch);
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

  /** One create's statement: its task, or `task-already-exists` for an existing id. */
  async #insertOne(c: PendingCreate): Promise<void> {
    const rs = await this.#ctx.run(insertTask(c.row), "write", "createTask");
    if (!rs.rows.length) {
      c.reject(alreadyExists(c.row[R.taskId]));
      return;
    }
    const task = newTask(c.row, Number(rs.rows[0].created_at));
    if (this.#ctx.listening()) this.#ctx.announce([task]);
    c.resolve(task);
  }

  /** One statement for `batch`; each caller gets its task, or `task-already-exists` for an existing id. */
  async #insert(batch: PendingCreate[]): Promise<void> {
    const times = new Map<string, number>();
    const stmt = rowsStatement(batch.map((c) => c.row), "each");
    const rs = await this.#ctx.run(stmt, "write", "createTask", batch.length);
    for (const r of rs.rows) times.set(r.task_id as string, Number(r.created_at));
    const made = new Map<PendingCreate, Task>();
    for (const c of batch) {
      const at = times.get(c.row[R.taskId]);
      if (at !== undefined) made.set(c, newTask(c.row, at));
    }
    if (this.#ctx.listening()) this.#ctx.announce(made.values());
    for (const c of batch) {
      const t = made.get(c);
      if (t) c.resolve(t);
      else c.reject(alreadyExists(c.row[R.taskId]));
    }
  }

  /** `create`, telling whether a unique key deduplicated it. */
  async enqueue<D>(def: TaskDef<D>): Promise<Enqueued<D>> {
    if (isRich(def)) return createNode(this.#ctx, def);
    return { task: await this.create(def), deduplicated: false };
  }

  /** `createMany`, telling which definitions a unique key deduplicated. */
  async enqueueMany<D>(defs: TaskDef<D>[]): Promise<EnqueuedMany<D>> {
    const list = parseOrThrow(AnyArray, defs, "createTasks");
    if (list.some(isRich)) {
      return createNodes<D>(
        this.#ctx,
        planNodes(list, this.#ctx.maxDataBytes, "createTasks", true),
        "createTasks",
        true,
      );
    }
    return { tasks: await this.createMany(list as TaskDef<D>[]), deduplicated: [] };
  }

  /** Many tasks, all or none, in one round trip: a statement per 1,000 rows, each followed by its rows' time. */
  async createMany<D>(defs: TaskDef<D>[]): Promise<Task<D>[]> {
    const list = parseOrThrow(AnyArray, defs, "createTasks");
    if (!list.length) return [];
    const bare = bareBatch(list, this.#ctx.maxDataBytes);
    if (!bare && list.some(isRich)) {
      const nodes = planNodes(list, this.#ctx.maxDataBytes, "createTasks", true);
      return (await createNodes<D>(this.#ctx, nodes, "createTasks", true)).tasks;
    }
    const plan = plainPlan<D>(list, bare, this.#ctx.maxDataBytes);
    let results: Result[];
    try {
      results = await this.#ctx.batch(plan.stmts, "write", plan.stmts.length, "createTasks");
    } catch (e) {
      // a constraint is a conflict only when given ids exist; any other (a CHECK, NOT NULL) is reported as it is
      if (classifyDriverError((e as TaskError).cause) === "constraint") throw await this.#taken(plan.given) ?? e;
      throw e;
    }
    const created = plan.read(results);
    if (this.#ctx.listening()) this.#ctx.announce(created);
    return created;
  }

  /** The conflict of a `createTasks` that hit existing ids, naming them (one read); null when none of `ids` exists. */
  async #taken(ids: Map<string, number>): Promise<TaskError | null> {
    if (!ids.size) return null;
    const rs = await this.#ctx.run(
      { sql: EXISTING_IDS_JSON, args: [JSON.stringify([...ids.keys()])] },
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

/** A `createTask` refused: its id exists. */
function alreadyExists(taskId: string): TaskError {
  return new TaskError(
    "conflict",
    "task-already-exists",
    `createTask: task ${taskId} already exists; nothing was overwritten`,
  );
}

/** The statements of a `createTasks` call of plain definitions, the ids the caller gave, and how to read its results. */
export interface PlainPlan<D> {
  /** A statement per 1,000 rows (or under 2 MB of rows), each followed by the read of its rows' time; all or nothing. */
  stmts: Statement[];
  /** The ids the caller gave, with their index (only these can exist already). */
  given: Map<string, number>;
  /** The tasks created, from the results of `stmts` (in order). */
  read(results: readonly Result[]): Task<D>[];
}

/**
 * The statements of `createTasks(list)` when no definition has a unique
 * key, dependencies or a ref (validated here; `bare`: `bareBatch(list)`),
 * without a read in between: the store sends them in one batch, as may a
 * caller in its own (`enqueueBatch`).
 */
export function plainPlan<D>(list: unknown[], bare: BareBatch | null, maxDataBytes: number): PlainPlan<D> {
  const given = new Map<string, number>();
  const rows = bare ? null : fullRows(list, maxDataBytes, given);
  const stmts: Statement[] = [];
  // a statement per 1,000 rows, or fewer when their JSON would pass MAX_ARG_BYTES (D1's 2 MB per string)
  const chunks = runs(bare ? bare.rows.map(rowBytes) : rows!.map(rowBytes), INSERT_CHUNK);
  for (const [from, to] of chunks) {
    if (bare) stmts.push(bareInsert(JSON.stringify(bare.rows.slice(from, to)), bare.topic));
    else stmts.push(rowsStatement(rows!.slice(from, to), "allOrNothing"));
    stmts.push(oneRow(CREATED_AT, [bare ? bare.rows[from][0] : rows![from][R.taskId]]));
  }
  const read = (results: readonly Result[]): Task<D>[] => {
    const created: Task<D>[] = new Array(list.length);
    // a bare batch's rows go through one full row, filled in for each
    const full: TaskRow = ["", null, null, bare?.topic ?? "", DEFAULT_SUB_TOPIC, null, ""];
    chunks.forEach(([from, to], k) => {
      const at = Number(results[2 * k + 1].rows[0].created_at);
      for (let i = from; i < to; i++) {
        if (bare) {
          const row = bare.rows[i];
          full[R.taskId] = row[0];
          full[R.dataJson] = row[1];
        }
        created[i] = newTask(bare ? full : rows![i], at);
      }
    });
    return created;
  };
  return { stmts, given, read };
}
