/**
 * Every public type of sokka in one place: the task, the store interface
 * (`TaskQ`) and the worker's options and outcomes.
 *
 * Terminology:
 * - **topic**: a named queue; workers poll one topic.
 * - **task group**: tasks sharing a `taskGroupId` (defaults to the task's id).
 * - **reservation / lease**: a worker (`pid`) holds a running task until
 *   `leaseExpiresAt`, judged by the database's clock; every reservation gets a
 *   fresh `leaseId` that fences the writes of that very execution.
 *
 * @module
 */

import type { Client } from "@libsql/client";
import type { TaskError } from "./errors.ts";

/** The life of a task: `starting` → `running` → `terminated` | `failed` | `snoozed`. */
export type TaskStatus = "starting" | "running" | "snoozed" | "failed" | "terminated";

/** A stored task, as every read and write of the store returns it. */
export interface Task<D = unknown> {
  /** Unique id; generated (128-bit random, base36) when not given. */
  taskId: string;
  /** Group the task belongs to; defaults to `taskId`. */
  taskGroupId: string;
  taskDescription: string | null;
  topic: string;
  /** Defaults to `"default"`. */
  subTopic: string;
  status: TaskStatus;
  /** The owner while `running`, else `null`. */
  pid: string | null;
  /** 1 on create, +1 on every write (optimistic concurrency). */
  recordVer: number;
  /** Set when `failed` (`""` when no message was given). */
  error: string | null;
  /** Milliseconds of the last snooze. */
  snoozeTime: number | null;
  /** Per-task override of the worker's timeout. */
  timeoutMs: number | null;
  /** Any JSON value, returned exactly as given. */
  data: D;
  /** Epoch ms, database clock. */
  createdAt: number;
  /** Epoch ms, database clock. */
  updatedAt: number;
  /** How many times the task has been reserved. */
  attempts: number;
  /** Fresh for every reservation; `null` when not running. */
  leaseId: string | null;
  /** Epoch ms (database clock) when the lease runs out; `null` when not running. */
  leaseExpiresAt: number | null;
}

/** What a caller gives to create a task. Unknown keys are ignored. */
export interface TaskDef<D = unknown> {
  topic: string;
  data?: D;
  taskId?: string;
  taskGroupId?: string;
  taskDescription?: string;
  subTopic?: string;
  timeoutMs?: number;
}

/** Filters of `listTasks`; `from`/`to` bound `updatedAt` (epoch ms, inclusive). */
export interface ListFilters {
  topic?: string;
  subTopic?: string;
  status?: TaskStatus;
  from?: number;
  to?: number;
}

/** Page size (default 100, max 1000) and the cursor of the previous page. */
export interface CursorOptions {
  limit?: number;
  cursor?: string | null;
}

/** One page of `listTasks`; `cursor` is `null` when there is no more. */
export interface Page<D = unknown> {
  data: Task<D>[];
  cursor: string | null;
}

/** Options of `createTaskQ`. */
export interface TaskQOptions {
  /** Any URL `@libsql/client` accepts. Default `"file:sokka.db"`. */
  url?: string;
  /** For remote libSQL / Turso. */
  authToken?: string;
  /**
   * An existing `@libsql/client` client (e.g. from `@libsql/client/web` in an
   * edge worker). `url`/`authToken` are then ignored and `close()` leaves it open.
   */
  client?: Client;
  /** Lease length when the caller gives none. Default 120000. */
  leaseTimeMs?: number;
  /** Snooze length when an outcome gives none. Default 300000. */
  snoozeTimeMs?: number;
  /** Largest accepted `data`, as UTF-8 bytes of its JSON. Default 1048576. */
  maxDataBytes?: number;
  /**
   * `file:` databases only. `"normal"` (default) is WAL with
   * `synchronous=NORMAL`: a process crash loses nothing, a power cut may lose
   * the last commits. `"full"` fsyncs every commit.
   */
  durability?: "normal" | "full";
  /** `file:` databases only: how long one statement waits inside SQLite on another process's lock. Default 5000. The embedded driver blocks its process while it waits. */
  busyTimeoutMs?: number;
  /** How long the store keeps retrying a statement that found the database busy or locked before it throws `unavailable/store-unavailable`. Default 5000. */
  busyRetryMs?: number;
}

/** Options of the writes that a reservation fences. */
export interface FenceOptions {
  /** When given, the write applies only to this very reservation. */
  leaseId?: string;
}

/** Options of `reserveTask` / `reserveTasks`. */
export interface ReserveOptions {
  leaseTimeMs?: number;
}

/** Options of `extendLease`. */
export interface ExtendOptions extends FenceOptions {
  leaseTimeMs?: number;
}

/** Counts of one topic's tasks per status. */
export interface TopicStats {
  topic: string;
  counts: Record<TaskStatus, number>;
}

/** One write of `TaskQ.applyWrites`: the same arguments as the method of that name. */
export type WriteOp =
  | { op: "extendLease"; taskId: string; pid: string; leaseId?: string; leaseTimeMs?: number }
  | { op: "terminate"; taskId: string; pid: string; leaseId?: string }
  | { op: "fail"; taskId: string; pid: string; leaseId?: string; error?: string }
  | { op: "snooze"; taskId: string; pid: string; leaseId?: string; snoozeTime?: number }
  | { op: "revokeLease"; taskId: string; recordVer: number };

/** What one write of `applyWrites` did: the task as written, or why it was refused. */
export type WriteResult<D = unknown> = { task: Task<D>; error?: undefined } | { task?: undefined; error: TaskError };

/**
 * The store interface. The libSQL store implements it; a second backend
 * implements exactly this. Every method validates its input and throws a
 * `TaskError` that changes nothing on bad input.
 */
export interface TaskQ {
  /** Inserts a `starting` task. An existing `taskId` is `conflict/task-already-exists`. */
  createTask<D = unknown>(def: TaskDef<D>): Promise<Task<D>>;
  /** Creates many tasks atomically, in one round trip: all or none. */
  createTasks<D = unknown>(defs: TaskDef<D>[]): Promise<Task<D>[]>;
  /** The task, or `null`. */
  task<D = unknown>(taskId: string): Promise<Task<D> | null>;
  /** All tasks of a group, oldest first. */
  tasks<D = unknown>(taskGroupId: string): Promise<Task<D>[]>;
  /** Keyset-paginated listing ordered by `updatedAt`, then `taskId`. */
  listTasks<D = unknown>(filters?: ListFilters, cursor?: CursorOptions): Promise<Page<D>>;
  /** Takes the oldest reservable task of `topic`, or `null` when none. */
  reserveTask<D = unknown>(topic: string, pid: string, opts?: ReserveOptions): Promise<Task<D> | null>;
  /** Takes up to `n` reservable tasks of `topic` in one statement, each with its own lease. */
  reserveTasks<D = unknown>(topic: string, pid: string, n: number, opts?: ReserveOptions): Promise<Task<D>[]>;
  /** Renews the lease of a running task owned by `pid`. */
  extendLease<D = unknown>(taskId: string, pid: string, opts?: ExtendOptions): Promise<Task<D>>;
  /** → `terminated`. */
  terminate<D = unknown>(taskId: string, pid: string, opts?: FenceOptions): Promise<Task<D>>;
  /** → `failed` with `error` (`""` when none). */
  fail<D = unknown>(taskId: string, pid: string, error?: string, opts?: FenceOptions): Promise<Task<D>>;
  /** → `snoozed` for `snoozeTime` ms (default: the store's `snoozeTimeMs`). */
  snooze<D = unknown>(taskId: string, pid: string, snoozeTime?: number, opts?: FenceOptions): Promise<Task<D>>;
  /** Forcefully → `starting`, only while the stored `recordVer` equals the one given. */
  revokeLease<D = unknown>(taskId: string, recordVer: number): Promise<Task<D>>;
  /**
   * Many transitions in ONE round trip (plus one more only to explain
   * refusals). Each write is guarded and fenced exactly like its method and
   * reports its own result: a refused or invalid write never fails its
   * neighbours. The call itself rejects only when the store is unreachable.
   */
  applyWrites<D = unknown>(ops: WriteOp[]): Promise<WriteResult<D>[]>;
  /** How many tasks each topic has in each status (for dashboards). */
  topicStats(): Promise<TopicStats[]>;
  /** Releases the connection (never an injected client). */
  close(): Promise<void>;
  /** Lease length used when a caller gives none. */
  readonly leaseTimeMs: number;
  /** Snooze length used when an outcome gives none. */
  readonly snoozeTimeMs: number;
}

/** What a processor function returns; build it with `ok()`, `failed()`, `snoozed()`. */
export type Outcome =
  | { event: "completed" }
  | { event: "failed"; errorMessage?: string }
  | { event: "snoozed"; snoozeTime?: number };

/** Context of one execution. */
export interface ProcessorContext {
  /** Aborts on timeout, lease loss, `stop()` or the worker's own signal; `signal.reason` tells which. */
  signal: AbortSignal;
  /** The worker's pid. */
  pid: string;
}

/** The user's function, run once per reserved task. */
export type ProcessorFn<D = unknown> = (task: Task<D>, ctx: ProcessorContext) => Outcome | Promise<Outcome>;

/** Options of `worker()`. */
export interface WorkerOptions<D = unknown> {
  taskq: TaskQ;
  topic: string;
  pfn: ProcessorFn<D>;
  /** Unique per worker; generated when absent. */
  pid?: string;
  /** Default: the TaskQ's `leaseTimeMs`. */
  leaseTimeMs?: number;
  /** Default `floor(leaseTimeMs * 0.7)`. */
  keepaliveMs?: number;
  /** Default `5 * leaseTimeMs`; a task's own `timeoutMs` wins. */
  timeoutMs?: number;
  /** Cap of the idle backoff. Default `leaseTimeMs`. */
  maxPollIntervalMs?: number;
  /** Tasks run at once. Default 1. */
  concurrency?: number;
  /** Aborting it stops the worker like `stop()`. */
  signal?: AbortSignal;
}

/** Options of `drain()`: those of the worker plus the bounds of one invocation. */
export interface DrainOptions<D = unknown> {
  taskq: TaskQ;
  topic: string;
  pfn: ProcessorFn<D>;
  pid?: string;
  leaseTimeMs?: number;
  keepaliveMs?: number;
  timeoutMs?: number;
  concurrency?: number;
  signal?: AbortSignal;
  /** Stop reserving after this long (default 25000); a task is started only if its timeout fits in what is left. */
  budgetMs?: number;
  /** Stop after this many tasks (default unlimited). */
  maxTasks?: number;
}

/** What one `drain()` did. */
export interface DrainResult {
  reserved: number;
  completed: number;
  failed: number;
  snoozed: number;
  lost: number;
  ms: number;
}

/** Options of `Worker.stop()`. */
export interface StopOptions {
  /** Let running tasks finish first (up to `timeoutMs`), then stop. */
  drain?: boolean;
  /** How long a draining stop waits before it aborts what still runs. Default: the worker's timeout. */
  timeoutMs?: number;
}

/** A running worker; listen to its events with `addEventListener`. */
export interface Worker extends EventTarget {
  readonly pid: string;
  stop(opts?: StopOptions): Promise<void>;
  /** Settles when the worker has fully stopped. */
  readonly done: Promise<void>;
}

/** Names of the events a worker dispatches (`CustomEvent`s; `detail` holds the task or error). */
export type WorkerEventName =
  | "reserved"
  | "completed"
  | "failed"
  | "snoozed"
  | "timeout"
  | "lease-lost"
  | "error"
  | "stopped";
