/**
 * The libSQL implementation of `TaskQ`: the connection (opened and migrated
 * on first use), reservation, waiting for tasks, and the methods whose work
 * lives in its parts — creates (`creates.ts`), the worker's transitions
 * (`writes.ts`), listing (`listing.ts`) and an operator's actions
 * (`operator.ts`). Every state transition is one guarded statement; only when
 * it touches no row does one follow-up read explain why (`refusal.ts`).
 *
 * @module
 */

import { type Driver, oneRow, type Result, type Statement } from "./driver.ts";
import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { checkArg, fields, Name, NonNegativeMs, parseOrThrow } from "../schemas.ts";
import type {
  Activity,
  ActivityOptions,
  CursorOptions,
  ExtendOptions,
  FailOptions,
  FenceOptions,
  ListFilters,
  Page,
  PruneOptions,
  ReserveManyOptions,
  ReserveOptions,
  Retention,
  StoreInfo,
  Task,
  TaskDef,
  TaskQ,
  TaskQWarning,
  TerminateOptions,
  TopicPage,
  TopicPageOptions,
  TopicStats,
  TopicTotals,
  TopicTotalsOptions,
  WaitOptions,
  WriteOp,
  WriteResult,
} from "../types.ts";
import { announce, announceCancel, listenCancels, listening } from "../wakeups.ts";
import { type Connection, toTaskError } from "./connection.ts";
import type { Reservable, StoreContext } from "./context.ts";
import { Creates } from "./creates.ts";
import { countTasks, listTasks } from "./listing.ts";
import { foldActivity, readActivity, topicStats } from "./activity.ts";
import { topicPage, topicTotals } from "./topics.ts";
import { act, applyRetention, prune, RETENTION_EVERY_MS, setPaused } from "./operator.ts";
import { rowToTask } from "./rows.ts";
import { migrate } from "./schema.ts";
import { injectedWarning, isPatched, WAL_RESET_WARNING } from "./sqlite-version.ts";
import { CANCELLED_AMONG, DATA_VERSION, SELECT_GROUP, SELECT_TASK } from "./statements/reads.ts";
import { NEXT_READY, RESERVE_MANY, type ReserveManyArgs } from "./statements/reserve.ts";
import { reserveAfter, reserveOne, reserveSome } from "./reservations.ts";
import { Watcher } from "./watch.ts";
import { applyWorkerWrites, applyWrites, fenceOptions, writeOne } from "./writes.ts";
import { WORKER_WRITES, type WorkerWrite } from "../worker-path.ts";

const WaitOptionsSchema = v.optional(fields({
  timeoutMs: v.optional(NonNegativeMs),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
}, "waitForTask options ({ timeoutMs, signal })"));

/** A store's settings, defaults applied (see `createTaskQ`). */
export interface Settings {
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
  /** Ages past which finished tasks are deleted, a small batch at most every `everyMs` while workers are busy. */
  retention?: Retention;
}

/** The store; its `addEventListener` is typed by `TaskQ` (`createTaskQ` returns it as one). */
export class LibsqlTaskQ extends EventTarget implements Omit<TaskQ, "addEventListener" | "removeEventListener"> {
  readonly leaseTimeMs: number;
  readonly snoozeTimeMs: number;
  readonly #conn: Connection;
  readonly #settings: Settings;
  #ready: Promise<void> | null = null;
  #isReady = false;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;
  readonly #watcher: Watcher;
  readonly #ctx: StoreContext;
  readonly #creates: Creates;
  /** Warnings given (each once per store). */
  readonly #warned = new Set<string>();
  /** When retention last ran (performance.now()); it runs first `everyMs` after the store opens. */
  #retainedAt = performance.now();

  constructor(conn: Connection, settings: Settings) {
    super();
    this.#conn = conn;
    this.#settings = settings;
    this.leaseTimeMs = settings.leaseTimeMs;
    this.snoozeTimeMs = settings.snoozeTimeMs;
    this.#ctx = {
      run: (stmt, repeat, what, weight) => this.#run(stmt, repeat, what, weight),
      batch: (stmts, mode, weight, what) => this.#batch(stmts, mode, weight, what),
      announce: (tasks) => this.#announce(tasks),
      listening: () => listening(settings.key),
      announceCancel: (taskId, reason) => announceCancel(settings.key, taskId, reason),
      maxDataBytes: settings.maxDataBytes,
      leaseTimeMs: settings.leaseTimeMs,
      snoozeTimeMs: settings.snoozeTimeMs,
    };
    this.#creates = new Creates(this.#ctx);
    this.#watcher = new Watcher({
      key: settings.key,
      changeSignal: settings.changeSignal,
      closed: this.#closing.signal,
      changePollMs: settings.changePollMs,
      nextReady: async (topic) => {
        const rs = await this.#run(oneRow(NEXT_READY, [topic]), "read", "waitForTask");
        const wait = rs.rows[0]?.wait;
        return wait === null || wait === undefined ? null : Number(wait);
      },
      dataVersion: async () => {
        const rs = await this.#run(oneRow(DATA_VERSION), "read", "waitForTask");
        return Number(rs.rows[0].data_version);
      },
    });
  }

  /** The database's name for in-process wake-ups (tests count the waiters on it). */
  get wakeKey(): unknown {
    return this.#settings.key;
  }

  /** The underlying client (tests and tools; not part of the TaskQ interface). */
  get client(): Driver {
    return this.#conn.client;
  }

  get signal(): AbortSignal {
    return this.#closing.signal;
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

  watchCancels(running: () => readonly string[], onCancel: (taskId: string, reason: string) => void): () => void {
    const offHere = listenCancels(this.#settings.key, onCancel);
    // another process's cancel: looked for among the running ids only when another connection committed
    const offThere = this.#watcher.onChange(async () => {
      const ids = running();
      if (!ids.length || this.#conn.closed) return;
      const rs = await this.#run({ sql: CANCELLED_AMONG, args: [JSON.stringify(ids)] }, "read", "watchCancels");
      for (const r of rs.rows) onCancel(r.task_id as string, (r.error as string | null) ?? "");
    });
    return () => {
      offHere();
      offThere();
    };
  }

  /** Wakes this process's waiters on the topics of `tasks` (after their commit), each from its `runAt`. */
  #announce(tasks: Iterable<Reservable>): void {
    const soonest = new Map<string, number>();
    for (const t of tasks) {
      // reservable from runAt: a create (maybe delayed), a snooze, a retry's backoff (both times on the database clock)
      if (t.runAt === null) continue;
      const inMs = Math.max(0, t.runAt - t.updatedAt);
      soonest.set(t.topic, Math.min(inMs, soonest.get(t.topic) ?? Infinity));
    }
    for (const [topic, inMs] of soonest) announce(this.#settings.key, topic, inMs);
  }

  createTask<D>(def: TaskDef<D>): Promise<Task<D>> {
    return this.#creates.create(def);
  }

  createTasks<D>(defs: TaskDef<D>[]): Promise<Task<D>[]> {
    return this.#creates.createMany(defs);
  }

  async task<D>(taskId: string): Promise<Task<D> | null> {
    checkArg(Name, taskId, "task", "taskId");
    const rs = await this.#run(oneRow(SELECT_TASK, [taskId]), "read", "task");
    return rs.rows.length ? rowToTask<D>(rs.rows[0]) : null;
  }

  async tasks<D>(taskGroupId: string): Promise<Task<D>[]> {
    checkArg(Name, taskGroupId, "tasks", "taskGroupId");
    const rs = await this.#run({ sql: SELECT_GROUP, args: [taskGroupId] }, "read", "tasks");
    return rs.rows.map((r) => rowToTask<D>(r));
  }

  listTasks<D>(filters?: ListFilters, cursorOpts?: CursorOptions): Promise<Page<D>> {
    return listTasks<D>(this.#ctx, filters, cursorOpts);
  }

  countTasks(filters?: ListFilters): Promise<number> {
    return countTasks(this.#ctx, filters);
  }

  reserveTask<D>(topic: string, pid: string, opts?: ReserveOptions): Promise<Task<D> | null> {
    return reserveOne<D>(this.#ctx, topic, pid, opts);
  }

  async reserveTasks<D>(topic: string, pid: string, n: number, opts?: ReserveManyOptions): Promise<Task<D>[]> {
    const out = await reserveSome<D>(this.#ctx, topic, pid, n, opts);
    this.#retain();
    return out;
  }

  extendLease<D>(taskId: string, pid: string, opts?: ExtendOptions): Promise<Task<D>> {
    return writeOne(this.#ctx, { op: "extendLease", taskId, pid, ...fenceOptions(opts, "extendLease") });
  }

  terminate<D>(taskId: string, pid: string, opts?: TerminateOptions): Promise<Task<D>> {
    return writeOne(this.#ctx, { op: "terminate", taskId, pid, ...fenceOptions(opts, "terminate") });
  }

  fail<D>(taskId: string, pid: string, error?: string, opts?: FailOptions): Promise<Task<D>> {
    return writeOne(this.#ctx, { op: "fail", taskId, pid, error, ...fenceOptions(opts, "fail") });
  }

  snooze<D>(taskId: string, pid: string, snoozeTime?: number, opts?: FenceOptions): Promise<Task<D>> {
    return writeOne(this.#ctx, { op: "snooze", taskId, pid, snoozeTime, ...fenceOptions(opts, "snooze") });
  }

  revokeLease<D>(taskId: string, recordVer: number): Promise<Task<D>> {
    return writeOne(this.#ctx, { op: "revokeLease", taskId, recordVer });
  }

  async applyWrites<D>(ops: WriteOp[]): Promise<WriteResult<D>[]> {
    return (await applyWrites<D>(this.#ctx, ops, null)).results;
  }

  applyWritesAndReserve<D>(
    ops: WriteOp[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs?: number },
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    try {
      const statement = reserveAfter(this.#ctx, reserve);
      this.#retain();
      return applyWrites<D>(this.#ctx, ops, statement);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The worker's path (see worker-path.ts): its reservation and writes as `applyWritesAndReserve`, not validated again. */
  [WORKER_WRITES]<D>(
    writes: WorkerWrite[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs: number } | null,
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    if (!reserve) return applyWorkerWrites<D>(this.#ctx, writes, null);
    this.#retain();
    const args: ReserveManyArgs = [reserve.topic, reserve.pid, reserve.leaseTimeMs, reserve.n];
    return applyWorkerWrites<D>(this.#ctx, writes, { sql: RESERVE_MANY, args });
  }

  topicStats(): Promise<TopicStats[]> {
    return topicStats(this.#ctx);
  }

  topicPage(opts?: TopicPageOptions): Promise<TopicPage> {
    return topicPage(this.#ctx, opts);
  }

  topicTotals(opts?: TopicTotalsOptions): Promise<TopicTotals> {
    return topicTotals(this.#ctx, opts);
  }

  activity(opts?: ActivityOptions): Promise<Activity> {
    return readActivity(this.#ctx, opts);
  }

  cancelTask<D>(taskId: string, reason?: string): Promise<Task<D>> {
    return act<D>(this.#ctx, "cancelTask", taskId, reason);
  }

  holdTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#ctx, "holdTask", taskId);
  }

  releaseTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#ctx, "releaseTask", taskId);
  }

  retryTask<D>(taskId: string): Promise<Task<D>> {
    return act<D>(this.#ctx, "retryTask", taskId);
  }

  pauseTopic(topic: string): Promise<void> {
    return setPaused(this.#ctx, topic, true);
  }

  resumeTopic(topic: string): Promise<void> {
    return setPaused(this.#ctx, topic, false);
  }

  pruneTasks(opts: PruneOptions): Promise<number> {
    return prune(this.#ctx, opts);
  }

  /**
   * Applies `retention` and folds old activity minutes into the totals when
   * `everyMs` (default a minute) has passed since the last time (called on a
   * worker's reservations).
   */
  #retain(): void {
    const r = this.#settings.retention;
    if (performance.now() - this.#retainedAt < (r?.everyMs ?? RETENTION_EVERY_MS) || this.#conn.closed) return;
    this.#retainedAt = performance.now();
    void foldActivity(this.#ctx).then(() => r && applyRetention(this.#ctx, r));
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      // Workers and drains on this store stop when the signal aborts; their
      // hand-backs still reach the database before the connection closes.
      this.#closing.abort(new TaskError("unavailable", "store-closed", "the store was closed"));
      await this.#conn.quiet(this.#settings.closeWaitMs);
      this.#conn.close();
      this.#creates.close();
    })();
    return this.#closed;
  }

  /** One statement; `weight` is how many rows it moves (the store yields to the event loop by rows, see connection.ts). */
  async #run(stmt: Statement, repeat: "read" | "write", what: string, weight = 1): Promise<Result> {
    if (!this.#isReady) await this.#ensureReady();
    return this.#conn.execute(stmt, repeat, what, weight);
  }

  /** Statements in one transaction and one round trip (a lone one as a plain call); driver errors as TaskErrors. */
  async #batch(stmts: Statement[], mode: "read" | "write", weight: number, what: string): Promise<Result[]> {
    if (!this.#isReady) await this.#ensureReady();
    const client = this.#conn.client;
    const send = () => stmts.length === 1 ? client.execute(stmts[0]).then((rs) => [rs]) : client.batch(stmts, mode);
    try {
      return await this.#conn.retry(send, mode, weight);
    } catch (e) {
      throw toTaskError(e, what, mode);
    }
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
        throw toTaskError(e, "opening the store", "open");
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
    let warning = conn.client.warning;
    if (warning === undefined && !conn.client.name && conn.client.protocol === "file") {
      // an injected @libsql/client on a file (an in-memory one has no file: no WAL): its SQLite is libsql's
      const rs = await conn.retry(
        () =>
          conn.client.execute(
            "SELECT sqlite_version() AS v, (SELECT file FROM pragma_database_list WHERE name = 'main') AS file",
          ),
        "read",
      );
      const version = String(rs.rows[0].v);
      if (rs.rows[0].file && !isPatched(version)) warning = injectedWarning(version);
    }
    if (warning) this.#warn({ message: warning, code: WAL_RESET_WARNING });
  }

  /**
   * A `warning` event, once per store and code; printed with `console.warn`
   * unless a listener calls `preventDefault()` (as a page's
   * `unhandledrejection` is).
   */
  #warn(w: TaskQWarning): void {
    if (this.#warned.has(w.code)) return;
    this.#warned.add(w.code);
    if (this.dispatchEvent(new CustomEvent("warning", { detail: w, cancelable: true }))) {
      console.warn(`sokka: ${w.message}`);
    }
  }

  async storeInfo(): Promise<StoreInfo> {
    const rs = await this.#run(oneRow("SELECT sqlite_version() AS v"), "read", "storeInfo");
    return { driver: this.#conn.client.name ?? "@libsql/client", sqliteVersion: String(rs.rows[0].v) };
  }
}
