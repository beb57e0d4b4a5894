/**
 * The libSQL implementation of `TaskQ`. Every state transition is one
 * guarded statement from `sql.ts`; only when it touches no row does one
 * follow-up read explain why (`refusal.ts`).
 *
 * @module
 */

import { type Client, createClient, type InStatement, type ResultSet } from "@libsql/client";
import * as v from "valibot";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { encodeData } from "../data.ts";
import { TaskError } from "../errors.ts";
import { newId } from "../ids.ts";
import {
  checkArg,
  CursorOptionsSchema,
  ErrorMessage,
  fields,
  invalid,
  ListFiltersSchema,
  Name,
  NonNegativeMs,
  parseOrThrow,
  PositiveMs,
  RecordVer,
  RetryDefaultsSchema,
  STATUSES,
  TaskDefSchema,
} from "../schemas.ts";
import type {
  CursorOptions,
  ExtendOptions,
  FailOptions,
  FenceOptions,
  ListFilters,
  Page,
  PruneOptions,
  ReserveOptions,
  Retention,
  Task,
  TaskDef,
  TaskQ,
  TaskQOptions,
  TaskStatus,
  TerminateOptions,
  TopicStats,
  WaitOptions,
  WriteOp,
  WriteResult,
} from "../types.ts";
import { BUSY_RETRY_MS, Connection, openFileClient, REQUEST_TIMEOUT_MS, toTaskError } from "./connection.ts";
import { type Claim, refusal, type Transition } from "./refusal.ts";
import { rowToTask } from "./rows.ts";
import { migrate } from "./schema.ts";
import * as sql from "./sql.ts";
import { CHANGE_POLL_MS, Watcher } from "./watch.ts";
import {
  act,
  applyRetention,
  type OperatorContext,
  pausedTopics,
  prune,
  RETENTION_EVERY_MS,
  RetentionSchema,
  setPaused,
} from "./operator.ts";
import { announce, listening } from "../wakeups.ts";
import { NextTurn } from "../turns.ts";

const OptionsSchema = fields({
  url: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.minLength(1, "must not be empty"),
      v.description("a libSQL URL (file:, :memory:, libsql:, http(s):, ws(s):)"),
    ),
  ),
  authToken: v.optional(v.string("must be a string")),
  client: v.optional(
    v.custom<Client>((c) => typeof (c as Client)?.execute === "function", "must be a @libsql/client Client"),
  ),
  leaseTimeMs: v.optional(PositiveMs),
  snoozeTimeMs: v.optional(NonNegativeMs),
  maxDataBytes: v.optional(PositiveMs),
  durability: v.optional(v.picklist(["normal", "full"], 'must be "normal" or "full"')),
  busyTimeoutMs: v.optional(NonNegativeMs),
  busyRetryMs: v.optional(NonNegativeMs),
  changePollMs: v.optional(PositiveMs),
  requestTimeoutMs: v.optional(PositiveMs),
  retention: v.optional(RetentionSchema),
}, "createTaskQ options");

const WaitOptionsSchema = v.optional(fields({
  timeoutMs: v.optional(NonNegativeMs),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
}, "waitForTask options ({ timeoutMs, signal })"));
const ReserveRequestSchema = fields({
  topic: Name,
  pid: Name,
  n: v.pipe(
    v.number("must be a number"),
    v.integer("must be an integer"),
    v.minValue(1, "must be at least 1"),
    v.maxValue(1000, "must be at most 1000"),
  ),
  leaseTimeMs: v.optional(PositiveMs),
}, "a reservation { topic, pid, n, leaseTimeMs? }");
const ReserveOptionsSchema = v.optional(fields({ leaseTimeMs: v.optional(PositiveMs) }, "reserve options"));
const FenceOptionsSchema = v.optional(fields({ leaseId: v.optional(Name) }, "fence options ({ leaseId })"));
const RetrySchema = v.optional(RetryDefaultsSchema);
const TerminateOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), result: v.optional(v.unknown()) }, "terminate options ({ leaseId, result })"),
);
const FailOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), retry: RetrySchema }, "fail options ({ leaseId, retry })"),
);
const ExtendOptionsSchema = v.optional(
  fields({ leaseId: v.optional(Name), leaseTimeMs: v.optional(PositiveMs) }, "extendLease options"),
);
const owner = { taskId: Name, pid: Name, leaseId: v.optional(Name) };
const WriteOpSchema = v.variant("op", [
  fields({ op: v.literal("extendLease"), ...owner, leaseTimeMs: v.optional(PositiveMs) }, "an extendLease write"),
  fields({ op: v.literal("terminate"), ...owner, result: v.optional(v.unknown()) }, "a terminate write"),
  fields({ op: v.literal("fail"), ...owner, error: v.optional(ErrorMessage), retry: RetrySchema }, "a fail write"),
  fields({ op: v.literal("snooze"), ...owner, snoozeTime: v.optional(NonNegativeMs) }, "a snooze write"),
  fields({ op: v.literal("revokeLease"), taskId: Name, recordVer: RecordVer }, "a revokeLease write"),
], "must be one of extendLease, terminate, fail, snooze, revokeLease");

/** A validated write, its statement, and what it claims (to explain a refusal). */
interface Plan {
  op: Transition;
  sql: string;
  /** This write's tuple in its statement's JSON argument. */
  tuple: (string | number | null)[];
  claim: Claim;
  result?: WriteResult<any>;
}

/** Statements of one applyWrites call: each moves a group of tasks with one transition. */
interface Group {
  sql: string;
  plans: Plan[];
}

/**
 * Plans grouped so that each group is ONE statement: same transition, and a
 * task at most once per group (a second write to the same task must see the
 * first, so it goes in a later statement of the same batch, in order).
 */
function groupPlans(plans: Plan[]): Group[] {
  const groups: Group[] = [];
  const open = new Map<string, { group: Group; ids: Set<string> }>();
  for (const p of plans) {
    let g = open.get(p.sql);
    if (!g || g.ids.has(p.claim.taskId)) {
      g = { group: { sql: p.sql, plans: [] }, ids: new Set() };
      groups.push(g.group);
      open.set(p.sql, g);
    }
    g.group.plans.push(p);
    g.ids.add(p.claim.taskId);
  }
  return groups;
}
const BatchSize = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(1000, "must be at most 1000"),
);
const DefsSchema = v.array(v.unknown(), "must be an array");

/** Rows per INSERT statement of `createTasks`. */
const INSERT_CHUNK = 1000;

/**
 * Creates a TaskQ store on libSQL. Synchronous: the schema is created lazily
 * on first use.
 *
 * @example
 * ```ts
 * import { createTaskQ } from "sokka";
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * const t = await taskq.createTask({ topic: "email", data: { to: "a@example.com" } });
 * const r = await taskq.reserveTask("email", "worker-1");
 * if (r) await taskq.terminate(r.taskId, "worker-1", { leaseId: r.leaseId! });
 * await taskq.close();
 * ```
 */
export function createTaskQ(options: TaskQOptions = {}): TaskQ {
  const opts = parseOrThrow(OptionsSchema, options, "createTaskQ", "invalid-options");
  const own = opts.client === undefined;
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  let client: Client;
  let release: (() => void) | undefined;
  if (opts.client) {
    client = opts.client;
  } else {
    const url = opts.url ?? "file:sokka.db";
    const isFile = url.startsWith("file:") || url === ":memory:";
    const isMemory = url === ":memory:" || url.startsWith("file::memory:");
    const open = () =>
      createClient({
        url,
        authToken: opts.authToken,
        // One connection with a long busy timeout: SQLite waits for other
        // processes' locks itself (see connection.ts for why not several).
        ...(isFile
          ? { timeout: opts.busyTimeoutMs ?? 5_000, concurrency: 1 }
          : { fetch: boundedFetch(requestTimeoutMs) }),
      });
    try {
      if (isFile && !isMemory) ({ client, release } = openFileClient(url, open));
      else {
        client = open();
        release = () => client.close();
      }
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new TaskError("bad-request", "invalid-options", `createTaskQ: url ${url} cannot be opened: ${reason}`, {
        cause: e,
        issues: [{ path: "url", message: `cannot be opened: ${reason}` }],
      });
    }
  }
  const pragmas = own && client.protocol === "file"
    ? [`PRAGMA synchronous = ${opts.durability === "full" ? "FULL" : "NORMAL"}`]
    : [];
  // The embedded driver answers synchronously: only a remote call can hang.
  const remote = client.protocol !== "file";
  const conn = new Connection(client, {
    own,
    busyRetryMs: opts.busyRetryMs ?? BUSY_RETRY_MS,
    pragmas,
    release,
    requestTimeoutMs: remote ? requestTimeoutMs : 0,
  });
  const url = opts.url ?? "file:sokka.db";
  const isMemory = url === ":memory:" || url.startsWith("file::memory:");
  return new LibsqlTaskQ(conn, {
    // Stores of this process on one URL are one database (and a file shares one client); ":memory:" is one per store.
    key: own && !isMemory ? url : client,
    changeSignal: client.protocol === "file" && !(own && isMemory),
    changePollMs: opts.changePollMs ?? CHANGE_POLL_MS,
    leaseTimeMs: opts.leaseTimeMs ?? 120_000,
    snoozeTimeMs: opts.snoozeTimeMs ?? 300_000,
    maxDataBytes: opts.maxDataBytes ?? 1_048_576,
    closeWaitMs: opts.busyRetryMs ?? BUSY_RETRY_MS,
    retention: opts.retention,
  });
}

/**
 * The fetch of a store's own HTTP client: each request is aborted after
 * `ms`, so a server that stopped answering holds no socket and no request
 * (an injected client keeps its own fetch; the store's deadline still frees
 * the caller).
 */
function boundedFetch(ms: number): (req: Request) => Promise<Response> {
  return (req) => fetch(req, { signal: AbortSignal.timeout(ms) });
}

interface Settings {
  /** The database's name for in-process wake-ups (`wakeups.ts`). */
  key: unknown;
  /** Whether other connections may commit to it and `PRAGMA data_version` tells (a `file:` database). */
  changeSignal: boolean;
  changePollMs: number;
  leaseTimeMs: number;
  snoozeTimeMs: number;
  maxDataBytes: number;
  /** How long `close()` waits for calls under way (and hand-backs of stopping workers). */
  closeWaitMs: number;
  /** Ages past which finished tasks are deleted, a small batch at most every minute while workers are busy. */
  retention?: Retention;
}

/** A task row in `#toRow`'s order (the arguments of INSERT_TASK). */
type Row = (string | number | null)[];

/** A `createTask` call waiting for its statement. */
interface PendingCreate {
  row: Row;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** The Task just inserted from its row (`#toRow`'s order) and the time the database gave it. */
function newTask<D>(r: (string | number | null)[], at: number): Task<D> {
  return {
    taskId: r[0] as string,
    taskGroupId: r[1] as string,
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
    priority: (r[7] as number | null) ?? 0,
    maxAttempts: r[8] as number | null,
    backoff: r[9] === null ? null : JSON.parse(r[9] as string),
    failures: 0,
    runAt: (r[11] as number | null) ?? at + ((r[10] as number | null) ?? 0),
    result: null,
  };
}

/** The tasks a reservation took: the `running` rows (an exhausted task it found comes back `failed`). */
function reservedOf<D>(rows: ResultSet["rows"]): Task<D>[] {
  const out: Task<D>[] = [];
  for (const row of rows) {
    const t = rowToTask<D>(row);
    if (t.status === "running") out.push(t);
  }
  return out;
}

/** The filters present (in `ListShape` order) and their arguments. */
function filterArgs(f: ListFilters): [sql.FilterShape, (string | number)[]] {
  const args: (string | number)[] = [];
  if (f.topic !== undefined) args.push(f.topic);
  if (f.subTopic !== undefined) args.push(f.subTopic);
  if (f.status !== undefined) args.push(f.status);
  if (f.from !== undefined) args.push(f.from);
  if (f.to !== undefined) args.push(f.to);
  return [{
    topic: f.topic !== undefined,
    subTopic: f.subTopic !== undefined,
    status: f.status !== undefined,
    from: f.from !== undefined,
    to: f.to !== undefined,
  }, args];
}

class LibsqlTaskQ implements TaskQ {
  readonly leaseTimeMs: number;
  readonly snoozeTimeMs: number;
  readonly #conn: Connection;
  readonly #settings: Settings;
  #ready: Promise<void> | null = null;
  #isReady = false;
  readonly #closing = new AbortController();
  /** `createTask` calls waiting for the one under way (group commit). */
  #creates: PendingCreate[] = [];
  #sendingCreates = false;
  /** When the last create statement returned (performance.now()). */
  #createdAt = -Infinity;
  /** Whether this is still the macrotask in which the last create statement returned. */
  #sameTurn = false;
  readonly #turns = new NextTurn();
  #closed: Promise<void> | undefined;
  readonly #watcher: Watcher;
  readonly #operator: OperatorContext = {
    run: (stmt, repeat, what, weight) => this.#run(stmt, repeat, what, weight),
    wake: (topic) => announce(this.#settings.key, topic, 0),
  };
  /** When retention last ran (performance.now()); it runs first `everyMs` after the store opens. */
  #retainedAt = performance.now();

  constructor(conn: Connection, settings: Settings) {
    this.#conn = conn;
    this.#settings = settings;
    this.leaseTimeMs = settings.leaseTimeMs;
    this.snoozeTimeMs = settings.snoozeTimeMs;
    this.#watcher = new Watcher({
      key: settings.key,
      changeSignal: settings.changeSignal,
      closed: this.#closing.signal,
      changePollMs: settings.changePollMs,
      nextReady: async (topic) => {
        const rs = await this.#run({ sql: sql.NEXT_READY, args: [topic] }, "read", "waitForTask");
        const wait = rs.rows[0]?.wait;
        return wait === null || wait === undefined ? null : Number(wait);
      },
      dataVersion: async () => {
        const rs = await this.#run(sql.DATA_VERSION, "read", "waitForTask");
        return Number(rs.rows[0].data_version);
      },
    });
  }

  /** The database's name for in-process wake-ups (tests count the waiters on it). */
  get wakeKey(): unknown {
    return this.#settings.key;
  }

  waitForTask(topic: string, opts?: WaitOptions): Promise<boolean> {
    try {
      checkArg(Name, topic, "waitForTask", "topic");
      const o = parseOrThrow(WaitOptionsSchema, opts, "waitForTask", "invalid-options");
      if (this.#conn.closed) throw new TaskError("unavailable", "store-closed", "waitForTask: the store is closed");
      return this.#watcher.wait(topic, o?.timeoutMs ?? 30_000, o?.signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Wakes this process's waiters on the topics of `tasks` (after their commit); snoozed ones when their time is up. */
  #announce(tasks: Iterable<{ topic: string; status: string; runAt: number | null; updatedAt: number }>): void {
    const soonest = new Map<string, number>();
    for (const t of tasks) {
      // reservable from runAt: a delayed create, a snooze, a retry's backoff (both times on the database clock)
      if (t.runAt === null) continue;
      const inMs = Math.max(0, t.runAt - t.updatedAt);
      soonest.set(t.topic, Math.min(inMs, soonest.get(t.topic) ?? Infinity));
    }
    for (const [topic, inMs] of soonest) announce(this.#settings.key, topic, inMs);
  }

  /** The underlying client (tests and tools; not part of the TaskQ interface). */
  get client(): Client {
    return this.#conn.client;
  }

  createTask<D>(def: TaskDef<D>): Promise<Task<D>> {
    let row: Row;
    try {
      row = this.#toRow(def, "createTask");
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Task<D>>((resolve, reject) => {
      this.#creates.push({ row, resolve: resolve as (t: Task) => void, reject });
      if (this.#sendingCreates) return;
      this.#sendingCreates = true;
      // Under load from separate events (HTTP requests, one per socket event), wait one macrotask so
      // the creates of this event-loop turn go out as one statement: the embedded driver runs a statement
      // synchronously, so none would ever arrive "while one is in flight". A lone create (idle for 2 ms)
      // and a caller awaiting creates one by one (still in the turn of the last answer) go at once.
      if (!this.#sameTurn && performance.now() - this.#createdAt < 2) this.#turns.schedule(() => this.#sendCreates());
      else void this.#sendCreates();
    });
  }

  /**
   * Group commit: the first `createTask` goes out at once; those that arrive
   * while it is under way go out together as ONE statement when it returns,
   * each caller still getting its own Task, or its own error (an existing id
   * refuses only its caller).
   */
  async #sendCreates(): Promise<void> {
    try {
      while (this.#creates.length) {
        // a task id at most once per statement: a repeat waits for the next one, and then conflicts
        const batch: PendingCreate[] = [];
        const rest: PendingCreate[] = [];
        const ids = new Set<string>();
        for (const c of this.#creates) {
          const id = c.row[0] as string;
          (ids.has(id) ? rest : batch).push(c);
          ids.add(id);
        }
        this.#creates = rest;
        try {
          const times = new Map<string, number>();
          if (batch.length === 1) {
            const rs = await this.#run({ sql: sql.INSERT_TASK, args: batch[0].row }, "write", "createTask");
            if (rs.rows.length) times.set(batch[0].row[0] as string, Number(rs.rows[0].created_at));
          } else {
            const arg = JSON.stringify(batch.map((c) => c.row));
            const rs = await this.#run(
              { sql: sql.INSERT_TASKS_EACH, args: [arg] },
              "write",
              "createTask",
              batch.length,
            );
            for (const r of rs.rows) times.set(r.task_id as string, Number(r.created_at));
          }
          const made = new Map<PendingCreate, Task>();
          for (const c of batch) {
            const at = times.get(c.row[0] as string);
            if (at !== undefined) made.set(c, newTask(c.row, at));
          }
          if (listening(this.#settings.key)) this.#announce(made.values());
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
        } catch (e) {
          for (const c of batch) c.reject(e);
        }
      }
    } finally {
      this.#sendingCreates = false;
      this.#createdAt = performance.now();
      if (!this.#sameTurn) {
        this.#sameTurn = true;
        this.#turns.schedule(() => (this.#sameTurn = false));
      }
    }
  }

  async createTasks<D>(defs: TaskDef<D>[]): Promise<Task<D>[]> {
    const list = parseOrThrow(DefsSchema, defs, "createTasks");
    const rows = list.map((d, i) => this.#toRow(d as TaskDef, `createTasks [${i}]`));
    const seen = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const id = rows[i][0] as string;
      if (seen.has(id)) throw invalid("createTasks", [{ path: `${i}.taskId`, message: `repeats task id ${id}` }]);
      seen.add(id);
    }
    if (!rows.length) return [];
    await this.#ensureReady();
    // per chunk: the insert, then the time its rows got
    const stmts: InStatement[] = [];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      stmts.push({ sql: sql.INSERT_TASKS_JSON, args: [JSON.stringify(rows.slice(i, i + INSERT_CHUNK))] });
      stmts.push({ sql: sql.CREATED_AT, args: [rows[i][0]] });
    }
    let results: ResultSet[];
    try {
      const client = this.#conn.client;
      results = await this.#conn.retry(() => client.batch(stmts, "write"), "write", stmts.length);
    } catch (e) {
      if ((e as { code?: string }).code === "SQLITE_CONSTRAINT") {
        const taken = await this.#run(
          { sql: sql.EXISTING_IDS_JSON, args: [JSON.stringify([...seen])] },
          "read",
          "createTasks",
        );
        const ids = taken.rows.map((r) => r.task_id as string);
        throw new TaskError(
          "conflict",
          "task-already-exists",
          `createTasks: ${
            ids.length ? `task(s) ${ids.slice(0, 10).join(", ")} already exist` : "a task already exists"
          }; nothing was created`,
          { details: { taskIds: ids } },
        );
      }
      throw toTaskError(e, "createTasks");
    }
    const created = rows.map((r, i) =>
      newTask<D>(r, Number(results[2 * Math.floor(i / INSERT_CHUNK) + 1].rows[0].created_at))
    );
    if (listening(this.#settings.key)) this.#announce(created);
    return created;
  }

  async task<D>(taskId: string): Promise<Task<D> | null> {
    checkArg(Name, taskId, "task", "taskId");
    const rs = await this.#run({ sql: sql.SELECT_TASK, args: [taskId] }, "read", "task");
    return rs.rows.length ? rowToTask<D>(rs.rows[0]) : null;
  }

  async tasks<D>(taskGroupId: string): Promise<Task<D>[]> {
    checkArg(Name, taskGroupId, "tasks", "taskGroupId");
    const rs = await this.#run({ sql: sql.SELECT_GROUP, args: [taskGroupId] }, "read", "tasks");
    return rs.rows.map((r) => rowToTask<D>(r));
  }

  async listTasks<D>(filters: ListFilters = {}, cursorOpts: CursorOptions = {}): Promise<Page<D>> {
    const f = parseOrThrow(ListFiltersSchema, filters ?? {}, "listTasks");
    const c = parseOrThrow(CursorOptionsSchema, cursorOpts ?? {}, "listTasks");
    const at = c.cursor != null ? decodeCursor(c.cursor) : null;
    const order = c.order ?? at?.order ?? "asc";
    if (at && at.order !== order) {
      throw invalid("listTasks", [{
        path: "cursor",
        message: `belongs to a listing in ${at.order} order, not ${order}`,
      }], "invalid-cursor");
    }
    const back = at?.back ?? false;
    const limit = c.limit ?? 100;
    const [where, args] = filterArgs(f);
    if (at) args.push(at.updatedAt, at.taskId);
    args.push(limit + 1);
    // Walking back from a cursor is the same scan in the other direction, then reversed.
    const text = sql.listSql({ ...where, after: at !== null, desc: (order === "desc") !== back });
    const rs = await this.#run({ sql: text, args }, "read", "listTasks");
    const more = rs.rows.length > limit;
    const data = rs.rows.slice(0, limit).map((r) => rowToTask<D>(r));
    if (back) data.reverse();
    // Forward: a next page if more rows came, a previous one if we came from a cursor; backward: the mirror.
    const hasNext = back ? true : more;
    const hasPrev = back ? more : at !== null;
    const first = data[0];
    const last = data[data.length - 1];
    return {
      data,
      cursor: hasNext && last ? encodeCursor({ ...last, order, back: false }) : null,
      prevCursor: hasPrev && first ? encodeCursor({ ...first, order, back: true }) : null,
    };
  }

  async countTasks(filters: ListFilters = {}): Promise<number> {
    const f = parseOrThrow(ListFiltersSchema, filters ?? {}, "countTasks");
    const [where, args] = filterArgs(f);
    const rs = await this.#run({ sql: sql.countSql(where), args }, "read", "countTasks");
    return Number(rs.rows[0].n);
  }

  async reserveTask<D>(topic: string, pid: string, opts?: ReserveOptions): Promise<Task<D> | null> {
    const lease = this.#reserveArgs(topic, pid, opts, "reserveTask");
    // a task whose attempts ran out with its last lease ends failed in the reservation that finds it; then look again
    for (;;) {
      const rs = await this.#run({ sql: sql.RESERVE_ONE, args: [topic, pid, lease] }, "write", "reserveTask");
      if (!rs.rows.length) return null;
      const t = rowToTask<D>(rs.rows[0]);
      if (t.status === "running") return t;
    }
  }

  async reserveTasks<D>(topic: string, pid: string, n: number, opts?: ReserveOptions): Promise<Task<D>[]> {
    const lease = this.#reserveArgs(topic, pid, opts, "reserveTasks");
    checkArg(BatchSize, n, "reserveTasks", "n");
    const rs = await this.#run({ sql: sql.RESERVE_MANY, args: [topic, pid, lease, n] }, "write", "reserveTasks", n);
    this.#retain();
    return reservedOf<D>(rs.rows);
  }

  extendLease<D>(taskId: string, pid: string, opts?: ExtendOptions): Promise<Task<D>> {
    return this.#one({ op: "extendLease", taskId, pid, ...this.#opts(opts, "extendLease") });
  }

  terminate<D>(taskId: string, pid: string, opts?: TerminateOptions): Promise<Task<D>> {
    return this.#one({ op: "terminate", taskId, pid, ...this.#opts(opts, "terminate") });
  }

  fail<D>(taskId: string, pid: string, error?: string, opts?: FailOptions): Promise<Task<D>> {
    return this.#one({ op: "fail", taskId, pid, error, ...this.#opts(opts, "fail") });
  }

  snooze<D>(taskId: string, pid: string, snoozeTime?: number, opts?: FenceOptions): Promise<Task<D>> {
    return this.#one({ op: "snooze", taskId, pid, snoozeTime, ...this.#opts(opts, "snooze") });
  }

  revokeLease<D>(taskId: string, recordVer: number): Promise<Task<D>> {
    return this.#one({ op: "revokeLease", taskId, recordVer });
  }

  async applyWrites<D>(ops: WriteOp[]): Promise<WriteResult<D>[]> {
    return (await this.#applyWrites<D>(ops, null)).results;
  }

  async applyWritesAndReserve<D>(
    ops: WriteOp[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs?: number },
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    const r = parseOrThrow(ReserveRequestSchema, reserve, "applyWritesAndReserve");
    const lease = r.leaseTimeMs ?? this.leaseTimeMs;
    this.#retain();
    return await this.#applyWrites<D>(ops, { sql: sql.RESERVE_MANY, args: [r.topic, r.pid, lease, r.n] });
  }

  /** The writes, each transition one statement, and a reservation after them in the same transaction. */
  async #applyWrites<D>(
    ops: WriteOp[],
    reserve: { sql: string; args: (string | number)[] } | null,
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    const list = parseOrThrow(v.array(v.unknown(), "must be an array"), ops, "applyWrites");
    const plans = list.map((op) => {
      try {
        return this.#plan(op as WriteOp);
      } catch (e) {
        return e as TaskError;
      }
    });
    const sendable = plans.filter((p): p is Plan => !(p instanceof TaskError));
    const results: WriteResult<D>[] = new Array(plans.length);
    let reserved: Task<D>[] = [];
    if (sendable.length || reserve) {
      await this.#ensureReady();
      const client = this.#conn.client;
      // one statement per transition (not per task): a worker's tick of outcomes is one step
      const groups = groupPlans(sendable);
      const stmts: InStatement[] = groups.map((g) => ({
        sql: g.sql,
        args: [JSON.stringify(g.plans.map((p) => p.tuple))],
      }));
      if (reserve) stmts.push(reserve); // after the writes: the slots they free are taken again in the same round trip
      const run = () => stmts.length === 1 ? client.execute(stmts[0]).then((rs) => [rs]) : client.batch(stmts, "write");
      const weight = sendable.length + (reserve ? Number(reserve.args[3]) : 0);
      const sets = await this.#conn.retry(run, "write", weight).catch((e) => {
        throw toTaskError(e, "applyWrites");
      });
      if (reserve) reserved = reservedOf<D>(sets[groups.length].rows);
      const refused: Plan[] = [];
      groups.forEach((g, i) => {
        const written = new Map<string, Task<D>>();
        for (const row of sets[i].rows) {
          const t = rowToTask<D>(row);
          written.set(t.taskId, t);
        }
        if (g.sql === sql.REVOKE_LEASE || g.sql === sql.SNOOZE || g.sql === sql.FAIL) this.#announce(written.values());
        for (const p of g.plans) {
          const t = written.get(p.claim.taskId);
          if (t) p.result = { task: t };
          else refused.push(p);
        }
      });
      if (refused.length) {
        const reads = refused.map((p) => ({ sql: sql.SELECT_STATE, args: [p.claim.taskId] }));
        const states = await this.#conn.retry(() => client.batch(reads, "read"), "read", reads.length).catch((e) => {
          throw toTaskError(e, "applyWrites");
        });
        refused.forEach((p, k) => (p.result = { error: refusal(p.op, p.claim, states[k].rows[0]) }));
      }
    }
    plans.forEach((p, i) => (results[i] = p instanceof TaskError ? { error: p } : p.result as WriteResult<D>));
    return { results, reserved };
  }

  async topicStats(): Promise<TopicStats[]> {
    const rs = await this.#run({ sql: sql.TOPIC_STATS, args: [] }, "read", "topicStats");
    const paused = await pausedTopics(this.#operator);
    const byTopic = new Map<string, TopicStats>();
    const stats = (topic: string) => {
      let s = byTopic.get(topic);
      if (!s) {
        const counts = Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<TaskStatus, number>;
        byTopic.set(topic, s = { topic, counts, paused: paused.has(topic) });
      }
      return s;
    };
    for (const r of rs.rows) stats(r.topic as string).counts[r.status as TaskStatus] = Number(r.n);
    for (const topic of paused) stats(topic); // a paused topic shows even with no task
    return [...byTopic.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  cancelTask<D>(taskId: string, reason?: string): Promise<Task<D>> {
    return act<D>(this.#operator, "cancelTask", taskId, reason);
  }

  holdTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#operator, "holdTask", taskId);
  }

  releaseTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#operator, "releaseTask", taskId);
  }

  retryTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#operator, "retryTask", taskId);
  }

  pauseTopic(topic: string): Promise<void> {
    return setPaused(this.#operator, topic, true);
  }

  resumeTopic(topic: string): Promise<void> {
    return setPaused(this.#operator, topic, false);
  }

  pruneTasks(opts: PruneOptions): Promise<number> {
    return prune(this.#operator, opts);
  }

  /** Applies `retention` when a minute has passed since the last time (called on a worker's reservations). */
  #retain(): void {
    const r = this.#settings.retention;
    if (!r || performance.now() - this.#retainedAt < (r.everyMs ?? RETENTION_EVERY_MS) || this.#conn.closed) return;
    this.#retainedAt = performance.now();
    void applyRetention(this.#operator, r);
  }

  get signal(): AbortSignal {
    return this.#closing.signal;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      // Workers and drains on this store stop when the signal aborts; their
      // hand-backs still reach the database before the connection closes.
      this.#closing.abort(new TaskError("unavailable", "store-closed", "the store was closed"));
      await this.#conn.quiet(this.#settings.closeWaitMs);
      this.#conn.close();
      this.#turns.close();
    })();
    return this.#closed;
  }

  /** One guarded write; when it touches no row, one read says why. */
  async #one<D>(op: WriteOp): Promise<Task<D>> {
    const p = this.#plan(op);
    const rs = await this.#run({ sql: p.sql, args: [JSON.stringify([p.tuple])] }, "write", p.op);
    if (rs.rows.length) {
      const t = rowToTask<D>(rs.rows[0]);
      if (p.sql === sql.REVOKE_LEASE || p.sql === sql.SNOOZE || p.sql === sql.FAIL) this.#announce([t]);
      return t;
    }
    const state = await this.#run({ sql: sql.SELECT_STATE, args: [p.claim.taskId] }, "read", p.op);
    throw refusal(p.op, p.claim, state.rows[0]);
  }

  /** Validates a write and picks its statement; throws `bad-request` for bad input. */
  #plan(op: WriteOp): Plan {
    const what = String((op as { op?: unknown })?.op ?? "applyWrites");
    const o = parseOrThrow(WriteOpSchema, op, what);
    if (o.op === "revokeLease") {
      return { op: o.op, sql: sql.REVOKE_LEASE, tuple: [o.taskId, o.recordVer], claim: o };
    }
    const leaseId = o.leaseId ?? null;
    const claim = { taskId: o.taskId, pid: o.pid, leaseId };
    // every fenced write takes (taskId, pid, leaseId), a value of its own, and a fail the worker's retry defaults
    const fence = [o.taskId, o.pid, leaseId];
    const [text, tuple] = o.op === "extendLease"
      ? [sql.EXTEND_LEASE, [...fence, o.leaseTimeMs ?? this.leaseTimeMs]]
      : o.op === "terminate"
      ? [sql.TERMINATE, [...fence, this.#result(o.result, what)]]
      : o.op === "fail"
      ? [sql.FAIL, [
        ...fence,
        o.error ?? "",
        o.retry?.maxAttempts ?? null,
        o.retry?.backoff === undefined ? null : JSON.stringify(o.retry.backoff),
      ]]
      : [sql.SNOOZE, [...fence, o.snoozeTime ?? this.snoozeTimeMs]];
    return { op: o.op, sql: text, tuple, claim };
  }

  /** A result as stored: JSON text within `maxDataBytes`, or null. */
  #result(result: unknown, what: string): string | null {
    return result === undefined
      ? null
      : encodeData(result, this.#settings.maxDataBytes, what, "result", "invalid-outcome");
  }

  /** The options object of a fenced method: only its own fields, each checked again with the write. */
  #opts(opts: unknown, what: string): Record<string, unknown> {
    const schema = what === "extendLease"
      ? ExtendOptionsSchema
      : what === "terminate"
      ? TerminateOptionsSchema
      : what === "fail"
      ? FailOptionsSchema
      : FenceOptionsSchema;
    return parseOrThrow(schema, opts, `${what} options`) ?? {};
  }

  /** One statement; `weight` is how many rows it moves (the store yields to the event loop by rows, see connection.ts). */
  async #run(stmt: InStatement, repeat: "read" | "write", what: string, weight = 1): Promise<ResultSet> {
    if (!this.#isReady) await this.#ensureReady();
    return this.#conn.execute(stmt, repeat, what, weight);
  }

  #ensureReady(): Promise<void> {
    if (this.#conn.closed) {
      return Promise.reject(new TaskError("unavailable", "store-closed", "the store is closed"));
    }
    if (this.#isReady) return Promise.resolve();
    this.#ready ??= this.#prepare().then(
      () => {
        this.#isReady = true;
      },
      (e) => {
        this.#ready = null; // a later call tries again
        throw toTaskError(e, "opening the store");
      },
    );
    return this.#ready;
  }

  async #prepare(): Promise<void> {
    const conn = this.#conn;
    if (conn.client.protocol === "file") {
      // WAL is stored in the file: set once, it holds for every connection and process.
      await conn.retry(() => conn.client.execute("PRAGMA journal_mode = WAL"), "write");
      // Per connection; our own file client has exactly one (concurrency: 1).
      await conn.applyPragmas();
    }
    await conn.retry(() => migrate(conn.client), "write");
  }

  /** A task row: see `INSERT_COLUMNS` in sql.ts for its order. */
  #toRow(input: unknown, what: string): (string | number | null)[] {
    const def = parseOrThrow(TaskDefSchema, input, what);
    if (def.runAt !== undefined && def.delayMs !== undefined) {
      throw invalid(what, [{ path: "delayMs", message: "cannot be given with runAt: give one of them" }]);
    }
    const data = encodeData(def.data === undefined ? null : def.data, this.#settings.maxDataBytes, what);
    const taskId = def.taskId ?? newId();
    return [
      taskId,
      def.taskGroupId ?? taskId,
      def.taskDescription ?? null,
      def.topic,
      def.subTopic ?? "default",
      def.timeoutMs ?? null,
      data,
      def.priority ?? null,
      def.maxAttempts ?? null,
      def.backoff === undefined ? null : JSON.stringify(def.backoff),
      def.delayMs ?? null,
      def.runAt ?? null,
    ];
  }

  #reserveArgs(topic: string, pid: string, opts: ReserveOptions | undefined, what: string): number {
    checkArg(Name, topic, what, "topic");
    checkArg(Name, pid, what, "pid");
    const o = parseOrThrow(ReserveOptionsSchema, opts, what);
    return o?.leaseTimeMs ?? this.leaseTimeMs;
  }
}
