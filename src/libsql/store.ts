/**
 * The libSQL implementation of `TaskQ`: its methods, whose work lives in
 * its parts — the connection (`session.ts`), creates (`creates.ts`),
 * reservations (`reservations.ts`), the worker's transitions (`writes.ts`),
 * waiting (`waiting.ts`), listing (`listing.ts`) and an operator's actions
 * (`operator.ts`). Every state transition is one guarded statement; only when
 * it touches no row does one follow-up read explain why (`refusal.ts`).
 *
 * @module
 */

import { type Driver, oneRow } from "../drivers/driver.ts";
import { TaskError } from "../errors.ts";
import { checkArg, Name } from "../schemas.ts";
import type {
  Activity,
  ActivityOptions,
  CursorOptions,
  DependencyPageOptions,
  Enqueued,
  EnqueuedMany,
  ExtendOptions,
  FailOptions,
  FenceOptions,
  FireResult,
  ListFilters,
  Page,
  PruneOptions,
  ReserveManyOptions,
  ReserveOptions,
  Schedule,
  ScheduleDef,
  StoreInfo,
  Task,
  TaskDef,
  TaskQ,
  TaskQWarning,
  TerminateOptions,
  TopicLimits,
  TopicPage,
  TopicPageOptions,
  TopicStats,
  TopicTotals,
  TopicTotalsOptions,
  WaitOptions,
  WriteOp,
  WriteResult,
} from "../types.ts";
import { announceAll, announceCancel, announceEnded, listening } from "../wakeups.ts";
import { type Connection, REMOTE_WRITES_IN_FLIGHT } from "./connection.ts";
import { announceReservable, type Settings, type StoreContext } from "./context.ts";
import { Session } from "./session.ts";
import { Creates } from "./creates.ts";
import { countTasks, listTasks } from "./listing.ts";
import { foldActivity, readActivity, topicStats } from "./activity.ts";
import { topicPage, topicTotals } from "./topics.ts";
import { act, applyRetention, prune, RETENTION_EVERY_MS, setPaused } from "./operator.ts";
import { rowToTask } from "./rows.ts";
import { SELECT_GROUP, SELECT_TASK } from "./statements/reads.ts";
import type { ReserveManyArgs } from "./statements/reserve.ts";
import { reserveAfter, reserveManySql, reserveOne, reserveSome } from "./reservations.ts";
import { partitionedChanged, setTopicLimits, topicLimits } from "./limits.ts";
import { Waiting } from "./waiting.ts";
import { applyWorkerWrites, applyWrites, writeOne } from "./writes.ts";
import { fenceOptions } from "./write-options.ts";
import { WORKER_CALLS_IN_FLIGHT, WORKER_WRITES, type WorkerWrite } from "../worker-path.ts";
import { defineSchedule, deleteSchedule, pause, readSchedule, readSchedules, resume } from "./schedules.ts";
import { fireSchedules } from "./schedule-firing.ts";
import { edgeTasks, groupFollowUp } from "./dependency-reads.ts";
import { sealGroup } from "./groups.ts";
import { TRANSACTIONAL, type TransactionalOps } from "../transactional-path.ts";
import { transactionalOps } from "./transactional.ts";

/** The protocols of `@libsql/client` that reach a server over a network. */
const NETWORK_PROTOCOLS: ReadonlySet<string> = new Set(["http", "https", "ws", "wss", "libsql"]);

/** The store; its `addEventListener` is typed by `TaskQ` (`createTaskQ` returns it as one). */
export class LibsqlTaskQ extends EventTarget implements Omit<TaskQ, "addEventListener" | "removeEventListener"> {
  readonly leaseTimeMs: number;
  readonly snoozeTimeMs: number;
  readonly #conn: Connection;
  readonly #settings: Settings;
  readonly #session: Session;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;
  readonly #waiting: Waiting;
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
    const session = this.#session = new Session(conn, (w) => this.#warn(w));
    this.#ctx = {
      run: (stmt, repeat, what, weight) => session.run(stmt, repeat, what, weight),
      batch: (stmts, mode, weight, what) => session.batch(stmts, mode, weight, what),
      announce: (tasks) => announceReservable(settings.key, tasks),
      listening: () => listening(settings.key),
      announceCancel: (taskId, reason) => announceCancel(settings.key, taskId, reason),
      announceAll: () => announceAll(settings.key),
      announceEnded: (tasks) => announceEnded(settings.key, tasks),
      key: settings.key,
      partitioned: new Set(),
      maxDataBytes: settings.maxDataBytes,
      leaseTimeMs: settings.leaseTimeMs,
      snoozeTimeMs: settings.snoozeTimeMs,
    };
    this.#creates = new Creates(this.#ctx);
    this.#waiting = new Waiting(session, settings, this.#closing.signal, () => conn.closed, this.#ctx.partitioned);
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
    return this.#waiting.waitForTask(topic, opts);
  }

  watchCancels(running: () => readonly string[], onCancel: (taskId: string, reason: string) => void): () => void {
    return this.#waiting.watchCancels(running, onCancel);
  }

  createTask<D>(def: TaskDef<D>): Promise<Task<D>> {
    return this.#creates.create(def);
  }

  createTasks<D>(defs: TaskDef<D>[]): Promise<Task<D>[]> {
    return this.#creates.createMany(defs);
  }

  enqueue<D>(def: TaskDef<D>): Promise<Enqueued<D>> {
    return this.#creates.enqueue(def);
  }

  enqueueMany<D>(defs: TaskDef<D>[]): Promise<EnqueuedMany<D>> {
    return this.#creates.enqueueMany(defs);
  }

  dependencies<D>(taskId: string, opts?: DependencyPageOptions): Promise<Page<D>> {
    return edgeTasks<D>(this.#ctx, "dependency", taskId, opts);
  }

  dependants<D>(taskId: string, opts?: DependencyPageOptions): Promise<Page<D>> {
    return edgeTasks<D>(this.#ctx, "dependant", taskId, opts);
  }

  sealGroup<D>(taskGroupId: string, followUp: TaskDef<D>): Promise<Enqueued<D>> {
    return sealGroup<D>(this.#ctx, taskGroupId, followUp);
  }

  groupFollowUp<D>(taskGroupId: string): Promise<Task<D> | null> {
    return groupFollowUp<D>(this.#ctx, taskGroupId);
  }

  async task<D>(taskId: string): Promise<Task<D> | null> {
    checkArg(Name, taskId, "task", "taskId");
    const rs = await this.#session.run(oneRow(SELECT_TASK, [taskId]), "read", "task");
    return rs.rows.length ? rowToTask<D>(rs.rows[0]) : null;
  }

  async tasks<D>(taskGroupId: string): Promise<Task<D>[]> {
    checkArg(Name, taskGroupId, "tasks", "taskGroupId");
    const rs = await this.#session.run({ sql: SELECT_GROUP, args: [taskGroupId] }, "read", "tasks");
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
      return this.#reservedAfter(applyWrites<D>(this.#ctx, ops, statement), reserve);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Worker calls in flight at once (see worker-path.ts): over a network (`http(s)`, `ws(s)`, `libsql`) as
   * many as the connection lets write requests through, so a worker's next call does not wait out the
   * round trip of the last one; 1 otherwise (a file answers without a round trip, and other drivers
   * are local or not measured).
   */
  get [WORKER_CALLS_IN_FLIGHT](): number {
    return NETWORK_PROTOCOLS.has(this.#conn.client.protocol) ? REMOTE_WRITES_IN_FLIGHT : 1;
  }

  /** The worker's path (see worker-path.ts): its reservation and writes as `applyWritesAndReserve`, not validated again. */
  [WORKER_WRITES]<D>(
    writes: WorkerWrite[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs: number } | null,
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    if (!reserve) return applyWorkerWrites<D>(this.#ctx, writes, null);
    this.#retain();
    const args: ReserveManyArgs = [reserve.topic, reserve.pid, reserve.leaseTimeMs, reserve.n];
    const sent = applyWorkerWrites<D>(this.#ctx, writes, { sql: reserveManySql(this.#ctx, reserve.topic), args });
    return this.#reservedAfter(sent, reserve);
  }

  /**
   * A reservation after writes that came back empty may have been the wrong statement for the topic (its
   * limits were partitioned, or stopped being, by another process): one look at the flag, and when it
   * changed, the reservation again with the right one. An empty reservation is the idle path: the look
   * costs a busy worker nothing.
   */
  async #reservedAfter<D>(
    sent: Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }>,
    reserve: { topic: string; pid: string; n: number; leaseTimeMs?: number },
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }> {
    const out = await sent;
    if (out.reserved.length === 0 && await partitionedChanged(this.#ctx, reserve.topic, "applyWritesAndReserve")) {
      out.reserved = await reserveSome<D>(this.#ctx, reserve.topic, reserve.pid, reserve.n, {
        leaseTimeMs: reserve.leaseTimeMs,
      });
    }
    return out;
  }

  /** Statements for the caller's own transaction or batch (see src/transactional.ts). */
  [TRANSACTIONAL](): TransactionalOps {
    return transactionalOps(this.#ctx);
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

  schedule<D>(def: ScheduleDef<D>): Promise<Schedule<D>> {
    return defineSchedule(this.#ctx, def);
  }

  unschedule(name: string): Promise<boolean> {
    return deleteSchedule(this.#ctx, name);
  }

  getSchedule<D>(name: string): Promise<Schedule<D> | null> {
    return readSchedule(this.#ctx, name);
  }

  listSchedules(opts?: { topic?: string }): Promise<Schedule[]> {
    return readSchedules(this.#ctx, opts);
  }

  pauseSchedule<D>(name: string): Promise<Schedule<D>> {
    return pause(this.#ctx, name);
  }

  resumeSchedule<D>(name: string): Promise<Schedule<D>> {
    return resume(this.#ctx, name);
  }

  fireSchedules(opts?: { topics?: string[] }): Promise<FireResult> {
    return fireSchedules(this.#ctx, opts);
  }

  pauseTopic(topic: string): Promise<void> {
    return setPaused(this.#ctx, topic, true);
  }

  resumeTopic(topic: string): Promise<void> {
    return setPaused(this.#ctx, topic, false);
  }

  setTopicLimits(topic: string, limits: TopicLimits | null): Promise<TopicLimits | null> {
    return setTopicLimits(this.#ctx, topic, limits);
  }

  topicLimits(topic: string): Promise<TopicLimits | null> {
    return topicLimits(this.#ctx, topic);
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

  /** Statements this store has sent its database (see `TaskQ.statementsSent`). */
  get statementsSent(): number {
    return this.#conn.client.statementsSent;
  }

  async storeInfo(): Promise<StoreInfo> {
    const hidden = this.#conn.client.sqliteVersion;
    if (hidden !== undefined) {
      await this.#session.run(oneRow("SELECT 1 AS open"), "read", "storeInfo"); // opens it, as below
      return { driver: this.#conn.client.name ?? "@libsql/client", sqliteVersion: hidden };
    }
    const rs = await this.#session.run(oneRow("SELECT sqlite_version() AS v"), "read", "storeInfo");
    return { driver: this.#conn.client.name ?? "@libsql/client", sqliteVersion: String(rs.rows[0].v) };
  }
}
