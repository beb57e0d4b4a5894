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

import type { TestClock } from "./test-clock.ts";
import type { Client } from "@libsql/client";
import type { StoreDriver } from "./drivers/driver.ts";
import type { TaskError } from "./errors.ts";
import type { Status } from "./transitions.ts";

/**
 * The life of a task: `starting` → `running` → `terminated` | `failed` |
 * `snoozed`; `held` (kept from reservation by an operator) and `cancelled`
 * (ended by an operator, told apart from `failed`). `failed`, `terminated`
 * and `cancelled` are final (an operator may re-run a failed or cancelled task).
 * The statuses and the moves between them are declared once, in the
 * transition table (`src/transitions.ts`).
 */
export type TaskStatus = Status;

/** A stored task, as every read and write of the store returns it. */
export interface Task<D = unknown> {
  /** Unique id; generated when not given: 25 base36 characters, time-ordered (10 of epoch ms, 15 random). */
  taskId: string;
  /** Group the task belongs to; defaults to `taskId`. */
  taskGroupId: string;
  /** Free text for people (the dashboard shows it); `null` when not given. */
  taskDescription: string | null;
  /** The queue the task is in; workers poll one topic. */
  topic: string;
  /** A finer label inside the topic, for listing and filtering. Defaults to `"default"`. */
  subTopic: string;
  /** Where the task is in its life (see {@link TaskStatus}). */
  status: TaskStatus;
  /** The owner while `running`, else `null`. */
  pid: string | null;
  /** The pid of the last worker that reserved the task; kept after it finishes (`null` until first reserved). */
  lastPid: string | null;
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
  /** Reservation order among ready tasks of a topic: lower first (default 0). */
  priority: number;
  /**
   * How many failed attempts the task may have, the last ending it `failed`;
   * `null` when not given (then a failed outcome is final unless the worker
   * gives a default, and a lease that expired is not counted against it).
   */
  maxAttempts: number | null;
  /** The task's own backoff between failed attempts; `null`: the worker's, else exponential (1 s base, 1 h cap). */
  backoff: Backoff | null;
  /** Failed attempts so far: failed outcomes, throws, timeouts, and leases that expired. */
  failures: number;
  /**
   * Epoch ms (database clock) from which a `starting` or `snoozed` task may be
   * reserved: its creation time, `runAt`, or when its backoff or snooze ends;
   * `null` in the other states.
   */
  runAt: number | null;
  /** What `ok(result)` stored (any JSON value); `null` until then. */
  result: unknown;
  /** The schedule that made this task (see `schedule()`); `null` for a task created otherwise. */
  scheduleName: string | null;
  /** The slot of its schedule this task is for (epoch ms, a time its cron names); `null` when not made by a schedule. Unlike `runAt`, it never moves. */
  slotAt: number | null;
  /** The key no other task of the topic may hold at the same time (see `TaskDef.uniqueKey`); `null` when none. */
  uniqueKey: string | null;
  /** Which of the key's tasks count as holding it (see {@link UniquePolicy}); `null` without a key. */
  unique: UniquePolicy | null;
  /**
   * The tasks this one waits for (`TaskDef.dependsOn`), in the order given,
   * each with its status as read with this task (`null`: deleted by pruning).
   * `[]` for a task without dependencies and for a group's follow-up (whose
   * dependencies are its group's tasks, see `sealGroup`). Their results:
   * `dependencies(taskId)`.
   */
  dependsOn: Dependency[];
  /** What a dependency ending `failed` or `cancelled` does to this task (see `TaskDef.onDependencyFailure`); `null` without dependencies. */
  onDependencyFailure: DependencyFailurePolicy | null;
  /** The task group whose follow-up this task is (`sealGroup`); `null` for every other task. */
  followUpOf: string | null;
  /** The key its topic's partitioned limits count it under (see `TaskDef.partitionKey`); `null` when none. */
  partitionKey: string | null;
}

/** One dependency of a task as the task shows it. */
export interface Dependency {
  /** The dependency's id. */
  taskId: string;
  /** Its status when read; `null` when it was deleted (pruned). */
  status: TaskStatus | null;
}

/**
 * Which tasks of a `uniqueKey` (per topic) hold it, so that a create with
 * the same key is deduplicated — enforced by a unique index of the database:
 * - `"active"` (the default): a task that has not ended (`starting`,
 *   `blocked`, `held`, `running`, `snoozed`);
 * - `"queued"`: a task not yet reserved once (`starting`, `blocked` or
 *   `held` with `attempts` 0): once one runs, a new one may be queued;
 * - `{ periodMs }`: any task created in the same window of `periodMs`
 *   (windows aligned on the database clock: `[k·periodMs, (k+1)·periodMs)`),
 *   whatever its status, until it is pruned;
 * - `{ debounceMs, maxWaitMs? }`: a task not yet reserved once and still
 *   `starting`; a duplicate create replaces its `data` and moves its run time
 *   to `debounceMs` from now, but never past `maxWaitMs` after its creation.
 */
export type UniquePolicy =
  | "active"
  | "queued"
  | { periodMs: number }
  | { debounceMs: number; maxWaitMs?: number };

/**
 * What a dependency ending `failed` or `cancelled` does to a `blocked`
 * dependant: `"fail"` (the default) ends it `failed`, `"cancel"` ends it
 * `cancelled` — each in the same transaction as the dependency's ending, and
 * on through every level of dependants — and `"run"` counts the dependency
 * as done (the dependant runs once every dependency has ended).
 */
export type DependencyFailurePolicy = "fail" | "run" | "cancel";

/** What `enqueue` did: the task, and whether it was deduplicated (an existing task of its `uniqueKey` answered). */
export interface Enqueued<D = unknown> {
  /** The task created, or the existing one that holds the key (a debounce's updated). */
  task: Task<D>;
  /** `true` when no task was created: the key's holder answered (see {@link UniquePolicy}). */
  deduplicated: boolean;
}

/** What `enqueueMany` did: the tasks in the order given, and which were deduplicated. */
export interface EnqueuedMany<D = unknown> {
  /** For each definition, the task created or the existing one that holds its key. */
  tasks: Task<D>[];
  /** The indexes (into the definitions) that were deduplicated. */
  deduplicated: number[];
}

/** An argument of a statement sokka hands you for your own batch or transaction (`enqueueBatch`, `completeBatch`). */
export type BatchArg = string | number | null;

/**
 * A statement for your own atomic batch or transaction: `{ sql, args }`, as
 * `@libsql/client`'s `batch()` takes it. Its parameters are numbered (`?1`):
 * run it in a synchronous SQLite library with `runStatementsSync`.
 */
export interface BatchStatement {
  /** The SQL text (numbered parameters `?1`, `?2`, …). */
  sql: string;
  /** The arguments, in parameter order. */
  args: BatchArg[];
}

/**
 * What one statement of a batch returned: `{ rows }` (a `@libsql/client`
 * `ResultSet`) or the rows themselves (a synchronous library's `all()`).
 */
export type BatchResult = { rows: readonly Record<string, unknown>[] } | readonly Record<string, unknown>[];

/**
 * What `enqueueTx` writes through: anything that runs one statement and
 * answers its rows, in order, on ONE connection — a `@libsql/client`
 * `Transaction` (from `client.transaction("write")`), or a `Client` (its
 * `batch()` then makes a multi-statement create atomic). When it has a
 * `batch(stmts)` that runs statements in order inside the transaction (as a
 * `Transaction` does), a create of several statements takes one round trip.
 */
export interface TxExecutor {
  /** Runs one statement in the transaction, answering its rows. */
  execute(stmt: BatchStatement): Promise<{ rows: readonly Record<string, unknown>[] }>;
  /** Optional: runs statements in order in the transaction (a `Client`'s: as one transaction of its own). */
  batch?(stmts: BatchStatement[], mode?: "write"): Promise<{ rows: readonly Record<string, unknown>[] }[]>;
}

/**
 * A connection of a synchronous SQLite library, as `runStatementsSync` uses
 * it: `better-sqlite3`'s `Database`, `node:sqlite`'s `DatabaseSync`,
 * `bun:sqlite`'s `Database`, `libsql`'s `Database`.
 */
export interface SyncDatabase {
  /** Prepares a statement. */
  prepare(sql: string): {
    /** better-sqlite3 and libsql: whether it returns rows (`all()` refuses one that does not) */
    readonly reader?: boolean;
    /** Runs it, answering every row. */
    all(...args: any[]): unknown[];
    /** Runs a statement that returns no rows. */
    run(...args: any[]): unknown;
  };
}

/** `enqueueBatch` of one definition: the statements for your batch, and how to read what they returned. */
export interface EnqueueBatch<D = unknown> {
  /** Put these into your own atomic batch (after or before your own statements). */
  statements: BatchStatement[];
  /** What `enqueue` would have answered, from the results of `statements` (your slice of the batch's results, in order). */
  read(results: readonly BatchResult[]): Enqueued<D>;
}

/** `enqueueBatch` of many definitions: as {@link EnqueueBatch}, answering what `enqueueMany` would. */
export interface EnqueueManyBatch<D = unknown> {
  /** Put these into your own atomic batch (after or before your own statements). */
  statements: BatchStatement[];
  /** What `enqueueMany` would have answered, from the results of `statements` (in order). */
  read(results: readonly BatchResult[]): EnqueuedMany<D>;
}

/**
 * `completeBatch`: statements that end a running task `terminated` in your
 * own atomic batch only while its lease holds; otherwise one of them fails,
 * and the whole batch (your statements too) rolls back.
 */
export interface CompleteBatch {
  /** Put these into your own atomic batch, anywhere among your statements. */
  statements: BatchStatement[];
}

/** A page of `dependencies` / `dependants`: tasks in `taskId` order. */
export interface DependencyPageOptions {
  /** Tasks per page, 1–1000. Default 100. */
  limit?: number;
  /** A page's `cursor` (the next page); absent or `null` for the first page. */
  cursor?: string | null;
}

/**
 * The wait after a failed attempt before the next one, on the database clock.
 * `exponential` (the default): `baseMs` (1,000) doubled per earlier failure,
 * at most `capMs` (3,600,000), then drawn at random from its upper half (jitter).
 * `fixed`: always `delayMs`.
 */
export type Backoff =
  | { type: "exponential"; baseMs?: number; capMs?: number }
  | { type: "fixed"; delayMs: number };

/**
 * What a caller gives to create a task. An unknown key is refused (`bad-request/invalid-task`), naming it.
 *
 * @example
 * ```ts
 * await taskq.createTask({
 *   topic: "email",
 *   data: { to: "ada@example.com" },
 *   maxAttempts: 5, // retried after each of the first 4 failures
 *   backoff: { type: "exponential", baseMs: 2_000, capMs: 600_000 },
 *   priority: -1, // before the default 0
 *   delayMs: 60_000, // or runAt: new Date("2027-01-01T09:00:00Z")
 * });
 * ```
 */
export interface TaskDef<D = unknown> {
  /**
   * The queue to put the task in: a name, as are `taskId`, `taskGroupId` and
   * `subTopic` — 1–255 characters, no control characters, no whitespace at
   * either end (docs/store.md, "Names").
   */
  topic: string;
  /** Any JSON value; stored and returned exactly. Default `null`. */
  data?: D;
  /** Your own id (idempotency key); an existing one is `conflict/task-already-exists`. Generated when absent. */
  taskId?: string;
  /** Group to put the task in; defaults to the task's id. */
  taskGroupId?: string;
  /** Free text for people. */
  taskDescription?: string;
  /** Default `"default"`. */
  subTopic?: string;
  /** How long one execution may run before its signal aborts; wins over the worker's `timeoutMs`. */
  timeoutMs?: number;
  /** Reservation order among ready tasks of the topic: lower first. Default 0. */
  priority?: number;
  /**
   * Failed attempts allowed (1–10,000); a failed outcome, a throw or a timeout
   * with attempts left puts the task back to `starting` after its backoff. When
   * given, a lease that expired (the worker died) counts as a failed attempt too.
   */
  maxAttempts?: number;
  /** Backoff between failed attempts (default: the worker's, else exponential from 1 s, at most 1 h). */
  backoff?: Backoff;
  /** Not reservable before this time (epoch ms, a Date, or in JSON an ISO 8601 string). Not with `delayMs`. */
  runAt?: number | Date | string;
  /** Not reservable for this many ms from creation (database clock). Not with `runAt`. */
  delayMs?: number;
  /**
   * A key (a name) no other task of the topic holds while this one does:
   * a create whose key is held is deduplicated — it answers with the
   * holder and writes nothing (a debounce updates the holder). Which tasks
   * hold it: `unique`.
   */
  uniqueKey?: string;
  /** Which tasks of `uniqueKey` hold it (see {@link UniquePolicy}). Default `"active"`. Only with `uniqueKey`. */
  unique?: UniquePolicy;
  /**
   * What a create whose key is held does: `"return"` (default) answers with
   * the holder; `"error"` rejects with `conflict/duplicate-task` naming it.
   * Only with `uniqueKey`; not with a debounce.
   */
  onDuplicate?: "return" | "error";
  /**
   * Tasks (1–100, by id) this one waits for: it is created `blocked` and
   * becomes `starting` once each has ended `terminated` (see
   * `onDependencyFailure` for the other endings). Each must exist (or, in
   * `createTasks`, be another definition of the call, by id or
   * `{ ref }`); not the task itself. Not with `runAt`, `delayMs` or a debounce.
   */
  dependsOn?: (string | { ref: string })[];
  /** What a dependency ending `failed` or `cancelled` does (see {@link DependencyFailurePolicy}). Default `"fail"`. Only with `dependsOn`. */
  onDependencyFailure?: DependencyFailurePolicy;
  /** `createTasks` only: a name other definitions of the call give as `dependsOn: [{ ref }]` (a name, unique in the call). */
  ref?: string;
  /**
   * A name its topic's limits are counted by when they are partitioned
   * (`setTopicLimits(taskq, topic, { partitioned: true, … })`): each key
   * gets its own concurrency, rate and back-off. In a partitioned topic a
   * task without a key is not reserved (it waits, counted as held back).
   */
  partitionKey?: string;
}

/** Filters of `listTasks`; `from`/`to` bound `updatedAt` (inclusive), given as `runAt` is: epoch ms, a Date or an ISO 8601 string. */
export interface ListFilters {
  /** Only tasks of this topic. */
  topic?: string;
  /** Only tasks of this sub-topic. */
  subTopic?: string;
  /**
   * Only the tasks of this task group (a group a page at a time; `tasks()`
   * reads a whole group at once). A page reads the group's rows (no index
   * orders a group by status), so it costs in proportion to the group's
   * size, not the table's.
   */
  taskGroupId?: string;
  /**
   * Only the tasks made by this schedule (its slot tasks, see `schedule()`);
   * like a group, read through the schedule's own index entries.
   */
  schedule?: string;
  /** Only tasks in this status. */
  status?: TaskStatus;
  /** Only tasks updated at or after this time (epoch ms, a Date or an ISO 8601 string). */
  from?: number | Date | string;
  /** Only tasks updated at or before this time (epoch ms, a Date or an ISO 8601 string). */
  to?: number | Date | string;
}

/** Page size (default 100, max 1000), order, and the cursor of the page to resume from. */
export interface CursorOptions {
  /** Tasks per page, 1–1000. Default 100. */
  limit?: number;
  /** A page's `cursor` (the next page) or `prevCursor` (the previous one); absent or `null` for the first page. */
  cursor?: string | null;
  /**
   * `"asc"` (default) or `"desc"`: each status's own order reversed (newest
   * first); the statuses still come from `starting` to `cancelled`, so live
   * work leads either way. A cursor keeps the order it was made in.
   */
  order?: "asc" | "desc";
}

/** One page of `listTasks`; `cursor` is `null` when there is no more. */
export interface Page<D = unknown> {
  /**
   * The tasks of this page, status by status in `STATUSES` order: `starting`
   * tasks in reservation order (topic, priority, ready time, creation),
   * `running` and `snoozed` ones by topic, then the time their lease or
   * snooze runs out, the others by `updatedAt`, then `taskId`; each reversed
   * with `order: "desc"`.
   */
  data: Task<D>[];
  /** Pass it back for the next page; `null` on the last one. */
  cursor: string | null;
  /** Pass it back for the previous page; `null` on the first one. */
  prevCursor: string | null;
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
  /**
   * `file:` and `:memory:` databases only: the SQLite library to open them
   * with. Default: per runtime, the first that loads and carries a SQLite
   * without the WAL-reset bug (≥ 3.51.3): under Node `better-sqlite3`, else
   * `node:sqlite`; under Bun `bun:sqlite`; under Deno `node:sqlite`.
   * `"libsql"` (SQLite 3.45.1, with the bug) only when named, or when
   * nothing else loads; a `warning` event says so either way.
   *
   * Or a driver object: a database that is neither a URL nor a client, made
   * by sokka's factory for its host (Cloudflare D1, a Durable Object's
   * SQLite storage). `url`, `authToken` and `client` are then not given, and
   * `close()` leaves the database as it was given.
   */
  driver?: "better-sqlite3" | "node:sqlite" | "bun:sqlite" | "libsql" | StoreDriver;
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
  /**
   * `file:` databases: how often (ms) a store with idle workers, drains or
   * long polls checks whether another process committed (`PRAGMA
   * data_version`, no table read), where the operating system's file events
   * do not tell it (`fileEvents`); while they do, this check is a safety net
   * made once a second, and every `changePollMs` only while this process
   * runs tasks (another process's cancel of one is seen by it). Lower starts
   * tasks sooner where no event comes, and costs more CPU. Default 100.
   */
  changePollMs?: number;
  /**
   * `file:` databases: whether the store also learns of another process's
   * commit from the operating system (a watch of the database's `-wal` file,
   * or of its folder before the WAL exists; through `node:fs`, in Node, Bun
   * and Deno): the change signal is then read at once, and an idle worker starts
   * another process's task within milliseconds instead of at the next poll.
   * A poll stays as the safety net: every `changePollMs` where no watch can
   * be made, else once a second. A watch that misses writes (a mount that
   * does not notify) is noticed when the poll finds a commit no event
   * announced, and the poll is then every `changePollMs`; false skips the
   * watch and that first slow pickup. Default true.
   */
  fileEvents?: boolean;
  /**
   * Remote databases: longest wait (ms) for the server's answer to one call.
   * Past it the call rejects with `unavailable/store-timeout`. A read is
   * tried three times first, so a read of a server that stopped answering
   * rejects after about three times this (30 s by default: how long a
   * dashboard page waits before it says its data could not be read); a
   * write is tried once, and one cut off so may or may not have been
   * applied, and is left to its lease and fence, never taken as done. A
   * worker reports it as an `error` event and keeps trying. Default 10000.
   */
  requestTimeoutMs?: number;
  /**
   * Deletes finished tasks past these ages, e.g. `{ terminated: 7 * 86_400_000,
   * failed: 30 * 86_400_000 }`: at most once a minute, a store whose workers
   * are busy deletes one small batch per status (see `pruneTasks`). Default: keep all.
   */
  retention?: Retention;
  /**
   * Tests only: moves this store's database clock by the clock's offset (see
   * `TestClock`), e.g. to a daylight-saving day, or back. Default: the real time.
   */
  clock?: TestClock;
}

/** Options of the writes that a reservation fences. */
export interface FenceOptions {
  /** When given, the write applies only to this very reservation. */
  leaseId?: string;
}

/** Options of `reserveTask` / `reserveTasks`. */
export interface ReserveOptions {
  /** Lease length of this reservation. Default: the store's `leaseTimeMs`. */
  leaseTimeMs?: number;
}

/** Options of `reserveTasks`. */
export interface ReserveManyOptions extends ReserveOptions {
  /**
   * Tasks not to reserve, by id (at most 1,000): `drain()` passes the ones it
   * reserved and handed back as too long for its budget, so that it does not
   * take them again and again.
   */
  exceptTaskIds?: readonly string[];
}

/** Options of `waitForTask`. */
export interface WaitOptions {
  /** Give up after this long (default 30000). */
  timeoutMs?: number;
  /** Aborting it ends the wait at once (resolving `false`). */
  signal?: AbortSignal;
}

/** Options of `terminate`. */
export interface TerminateOptions extends FenceOptions {
  /** Any JSON value to keep on the task as its `result` (size-limited like `data`). */
  result?: unknown;
}

/** Retry settings a failing worker gives for tasks created without their own. */
export interface RetryDefaults {
  /** Used when the task has no `maxAttempts`. */
  maxAttempts?: number;
  /** Used when the task has no `backoff`. */
  backoff?: Backoff;
}

/** Options of `fail`. */
export interface FailOptions extends FenceOptions {
  /** Defaults for a task without its own `maxAttempts` / `backoff`. */
  retry?: RetryDefaults;
}

/** Options of `extendLease`. */
export interface ExtendOptions extends FenceOptions {
  /** The new lease runs this long from now. Default: the store's `leaseTimeMs`. */
  leaseTimeMs?: number;
}

/** Counts of one topic's tasks per status. */
export interface TopicStats {
  /** The topic. */
  topic: string;
  /** How many of its tasks are in each status (0 when none). */
  counts: Record<TaskStatus, number>;
  /** Whether the topic is paused (`pauseTopic`): nothing of it is reserved until `resumeTopic`. */
  paused: boolean;
  /** How long (ms, database clock) its longest-waiting reservable task has been ready; null when none is. */
  oldestReadyAgeMs: number | null;
  /** What happened on the topic since its first task, counted in the database (pruning does not lower it). */
  totals: ActivityCounts;
  /** Its limits (`setTopicLimits`); `null` when it has none. */
  limits: TopicLimits | null;
  /**
   * Its running tasks whose lease holds (what a concurrency limit counts;
   * summed over keys when partitioned).
   */
  running: number;
  /** Ready tasks (due now) that its limits, or a `rateLimited()` back-off, keep from being reserved right now. */
  heldBack: number;
}

/**
 * How much of a topic runs, across every process and worker of the
 * database (`setTopicLimits`). Enforced inside the reservation statement
 * itself, so no interleaving of processes can exceed them.
 */
export interface TopicLimits {
  /** At most this many of its tasks running at once (1–100,000); absent: no cap. */
  concurrency?: number;
  /**
   * At most `limit` reservations per `periodMs` (any window of `periodMs`
   * sees at most `limit + burst`); the excess waits, it is never dropped.
   * `burst` (default 0) lets that many more go at once after a quiet spell.
   */
  rate?: { limit: number; periodMs: number; burst?: number };
  /** The limits hold per `partitionKey` of the topic's tasks, each key on its own. Default false. */
  partitioned?: boolean;
}

/**
 * Transitions counted per topic by the database itself (every process and
 * route alike): a task completing (`terminated`), ending `failed`, failing an
 * attempt with attempts left (`retried`: an outcome, a timeout or an expired
 * lease), being snoozed, being cancelled.
 */
export interface ActivityCounts {
  /** Tasks that became `terminated`. */
  completed: number;
  /** Tasks that became `failed` (attempts used up, or failed by hand). */
  failed: number;
  /** Failed attempts with attempts left: the task waits again. */
  retried: number;
  /** Tasks snoozed. */
  snoozed: number;
  /** Tasks cancelled. */
  cancelled: number;
}

/** One topic's counts in one minute. */
export interface ActivityMinute extends ActivityCounts {
  /** The topic. */
  topic: string;
  /** The minute's start, epoch ms (database clock). */
  minute: number;
}

/** Which activity `TaskQ.activity` reads. */
export interface ActivityOptions {
  /** How far back from now (ms, database clock). Default 3600000 (an hour); at most 172800000 (two days, what is kept per minute). */
  sinceMs?: number;
  /** Only this topic. */
  topic?: string;
  /** Only these topics (1 to 1000 of them; not with `topic`): one read for a page of topics, as the dashboard's. */
  topics?: string[];
}

/** Which page of topics `TaskQ.topicPage` reads: topics in name order, a page at a time. */
export interface TopicPageOptions {
  /** Topics per page, 1–1000. Default 100. */
  limit?: number;
  /** A page's `cursor` (the next page) or `prevCursor` (the previous one); absent or `null` for the first page. */
  cursor?: string | null;
  /** Only topics that start with this text, compared exactly as stored (case counts). */
  prefix?: string;
  /** The last page (the last `limit` topics by name) rather than the first; not with `cursor`. */
  last?: boolean;
}

/** One page of `topicPage`. */
export interface TopicPage {
  /**
   * The topics of this page, in name order (byte order of their UTF-8, as
   * SQLite compares text), each as `topicStats()` describes it: every topic
   * with tasks, activity or a pause.
   */
  data: TopicStats[];
  /** Pass it back for the next page; `null` on the last one. */
  cursor: string | null;
  /** Pass it back for the previous page; `null` on the first one. */
  prevCursor: string | null;
}

/** Which topics `TaskQ.topicTotals` sums. */
export interface TopicTotalsOptions {
  /** Only topics that start with this text. */
  prefix?: string;
  /** Only topics after this one in name order: those a listing of the first topics up to it left out. */
  after?: string;
}

/** The counts of `TopicStats`, summed over every topic (or those `TopicTotalsOptions` name). */
export interface TopicTotals {
  /** Tasks in each status. */
  counts: Record<TaskStatus, number>;
  /** How many topics are paused. */
  paused: number;
  /** What happened since the first task, summed over the topics. */
  totals: ActivityCounts;
}

/** What `TaskQ.activity` returns: minutes that saw activity (others are all zero), oldest first per topic. */
export interface Activity {
  /** The database clock when read (epoch ms): charts end here. */
  now: number;
  /** The minutes, by topic, oldest first. */
  minutes: ActivityMinute[];
}

/** Options of `pruneTasks`. */
export interface PruneOptions {
  /** Only tasks not updated for this long (ms, database clock). */
  olderThanMs: number;
  /** Which final statuses to delete. Default all three: `terminated`, `failed`, `cancelled`. */
  statuses?: ("terminated" | "failed" | "cancelled")[];
  /** Tasks per delete statement (a short write lock each; other writers go between). Default 1000. */
  batchSize?: number;
  /** Only tasks of this topic (default: every topic). */
  topic?: string;
  /** Called after each batch that deleted tasks, with the count deleted so far (the CLI's progress line). */
  onProgress?: (deleted: number) => void;
}

/** How long finished tasks are kept (ms since their last update), per final status; absent: forever. */
export interface Retention {
  /** Age after which a `terminated` task is deleted. */
  terminated?: number;
  /** Age after which a `failed` task is deleted. */
  failed?: number;
  /** Age after which a `cancelled` task is deleted. */
  cancelled?: number;
  /** How often (ms) a busy store applies it. Default 60000. */
  everyMs?: number;
}

/** One write of `TaskQ.applyWrites`: the same arguments as the method of that name. */
export type WriteOp =
  | { op: "extendLease"; taskId: string; pid: string; leaseId?: string; leaseTimeMs?: number }
  | { op: "terminate"; taskId: string; pid: string; leaseId?: string; result?: unknown }
  | { op: "fail"; taskId: string; pid: string; leaseId?: string; error?: string; retry?: RetryDefaults }
  | {
    op: "snooze";
    taskId: string;
    pid: string;
    leaseId?: string;
    snoozeTime?: number;
    /** `rateLimited()`: also hold reservation of the task's topic (its partition, when partitioned) for `snoozeTime`. */
    holdTopic?: boolean;
  }
  | { op: "revokeLease"; taskId: string; recordVer: number };

/**
 * A recurring schedule, as `schedule()` creates or replaces it: which task to
 * make for every slot (each time its `cron` names, in `timezone`). An unknown
 * key is refused (`bad-request/invalid-schedule`), naming it.
 *
 * @example
 * ```ts
 * await taskq.schedule({
 *   name: "nightly-report",
 *   cron: "30 1 * * *", // 01:30 every day…
 *   timezone: "Europe/London", // …on London's clock, summer and winter
 *   topic: "reports",
 *   data: { kind: "daily" },
 *   backfillMs: 6 * 3_600_000, // after downtime, fire the slots of the last 6 h, not only the latest
 * });
 * ```
 */
export interface ScheduleDef<D = unknown> {
  /**
   * Names the schedule (a name of 1–200 characters); `schedule()` with a
   * name that exists replaces that schedule. A slot's task id is
   * `<name>@<slot in ISO 8601, UTC, to the second>`.
   */
  name: string;
  /**
   * When to fire: 5 fields (minute hour day-of-month month day-of-week), 6
   * (seconds first) or 7 (a year last), or a nickname (`@hourly`, `@daily`,
   * `@weekly`, `@monthly`, `@yearly`); parsed by croner.
   */
  cron: string;
  /** The IANA time zone the cron's fields are read in (`"Europe/London"`). Default `"UTC"`. */
  timezone?: string;
  /** The topic of the slot tasks. */
  topic: string;
  /** The data of every slot task (any JSON value). Default `null`. */
  data?: D;
  /** The slot tasks' sub-topic. Default `"default"`. */
  subTopic?: string;
  /** The slot tasks' description. */
  taskDescription?: string;
  /** The slot tasks' priority. Default 0. */
  priority?: number;
  /** The slot tasks' `maxAttempts`. */
  maxAttempts?: number;
  /** The slot tasks' backoff. */
  backoff?: Backoff;
  /** The slot tasks' `timeoutMs`. */
  timeoutMs?: number;
  /**
   * `"allow"` (default): every slot makes its task, whatever the earlier ones
   * are doing. `"skip"`: a slot whose schedule's previous task has not
   * finished (`terminated`, `failed` or `cancelled`) makes no task, and is
   * counted in `skippedSlots`.
   */
  overlap?: "allow" | "skip";
  /**
   * After a time without firing (every process down), the slots missed more
   * than this long ago are skipped. Default 0: only the latest missed slot
   * fires. At most 7 days.
   */
  backfillMs?: number;
  /** Created paused (no slot fires until `resumeSchedule`). Absent: a new schedule is active, a replaced one keeps its state. */
  paused?: boolean;
}

/** A stored schedule: its definition (defaults filled in) and where firing stands (times on the database clock). */
export interface Schedule<D = unknown> {
  /** Its name: a slot's task id is `<name>@<slot>`. */
  name: string;
  /** The cron its slots come from. */
  cron: string;
  /** The IANA time zone the cron is read in. */
  timezone: string;
  /** The topic of its slot tasks. */
  topic: string;
  /** Its slot tasks' sub-topic. */
  subTopic: string;
  /** Its slot tasks' description. */
  taskDescription: string | null;
  /** Its slot tasks' data. */
  data: D;
  /** Its slot tasks' priority. */
  priority: number;
  /** Its slot tasks' `maxAttempts`. */
  maxAttempts: number | null;
  /** Its slot tasks' backoff. */
  backoff: Backoff | null;
  /** Its slot tasks' `timeoutMs`. */
  timeoutMs: number | null;
  /** What a slot does while the previous task has not finished (see `ScheduleDef.overlap`). */
  overlap: "allow" | "skip";
  /** How far back missed slots are fired after downtime (see `ScheduleDef.backfillMs`). */
  backfillMs: number;
  /** Paused: no slot fires; on resume, firing starts at the first slot after that moment. */
  paused: boolean;
  /** The next slot to fire (epoch ms); `null` when the cron names no later time. */
  nextSlotAt: number | null;
  /** The latest slot handled (fired or skipped); `null` before the first. */
  lastSlotAt: number | null;
  /** When the latest slot was handled (database clock): `lastFiredAt - lastSlotAt` is the firing's lag. */
  lastFiredAt: number | null;
  /** The task of the latest slot that made one. */
  lastTaskId: string | null;
  /** Slots that made no task: skipped by `overlap: "skip"`, or a task of that id existed already. */
  skippedSlots: number;
  /** 1 on create, +1 on every write (edits, pause, resume and each firing). */
  version: number;
  /** Epoch ms, database clock. */
  createdAt: number;
  /** Epoch ms, database clock: its last write, firings included. */
  updatedAt: number;
}

/** What `fireSchedules` did. */
export interface FireResult {
  /** Tasks made. */
  fired: number;
  /** The soonest `nextSlotAt` of the active schedules it looked at, or `null` when none has one. */
  nextSlotAt: number | null;
  /** The database clock when it read them (epoch ms). */
  now: number;
  /**
   * Schedules this runtime could not read (a time zone its data lacks, a
   * cron another version of sokka wrote): each is put off by a minute and
   * named here; workers and `scheduler()` report them as `error` events.
   */
  errors: { name: string; message: string }[];
}

/** What one write of `applyWrites` did: the task as written, or why it was refused. */
export type WriteResult<D = unknown> = { task: Task<D>; error?: undefined } | { task?: undefined; error: TaskError };

/**
 * The store interface. The libSQL store implements it; a second backend
 * implements exactly this. Every method validates its input and throws a
 * `TaskError` that changes nothing on bad input.
 */
export interface TaskQ {
  /**
   * Inserts a `starting` task (`blocked` with `dependsOn`). An existing
   * `taskId` is `conflict/task-already-exists`. With a `uniqueKey` that is
   * held, answers with the holder (see `enqueue` to tell).
   */
  createTask<D = unknown>(def: TaskDef<D>): Promise<Task<D>>;
  /**
   * Creates many tasks atomically, in one round trip: all or none. A flow:
   * definitions may depend on each other (`dependsOn` by id or
   * `{ ref }`), in any order; a cycle is refused, naming it.
   */
  createTasks<D = unknown>(defs: TaskDef<D>[]): Promise<Task<D>[]>;
  /**
   * `createTask`, telling whether it was deduplicated: `{ task, deduplicated }`.
   *
   * @example
   * ```ts
   * const { task, deduplicated } = await taskq.enqueue({
   *   topic: "reindex",
   *   uniqueKey: "user-42",
   *   unique: { debounceMs: 5_000, maxWaitMs: 60_000 },
   * });
   * ```
   */
  enqueue<D = unknown>(def: TaskDef<D>): Promise<Enqueued<D>>;
  /** `createTasks`, telling which definitions were deduplicated. */
  enqueueMany<D = unknown>(defs: TaskDef<D>[]): Promise<EnqueuedMany<D>>;
  /** The tasks `taskId` depends on, with their results, a page at a time in `taskId` order (pruned ones left out). */
  dependencies<D = unknown>(taskId: string, opts?: DependencyPageOptions): Promise<Page<D>>;
  /** The tasks that depend on `taskId` (its follow-up included), a page at a time in `taskId` order. */
  dependants<D = unknown>(taskId: string, opts?: DependencyPageOptions): Promise<Page<D>>;
  /**
   * Seals a task group: creates `followUp`, `blocked` until every task the
   * group has now has ended, then run once (`onDependencyFailure` defaults
   * to `"run"` here: it runs whatever their outcomes; read them with
   * `dependencies`). Tasks added to the group later are not waited for. A
   * group is sealed once: sealing it again answers with its follow-up
   * (`deduplicated: true`). An empty or unknown group is
   * `not-found/group-not-found`.
   */
  sealGroup<D = unknown>(taskGroupId: string, followUp: TaskDef<D>): Promise<Enqueued<D>>;
  /** The follow-up of a sealed group, or `null`. */
  groupFollowUp<D = unknown>(taskGroupId: string): Promise<Task<D> | null>;
  /** The task, or `null`. */
  task<D = unknown>(taskId: string): Promise<Task<D> | null>;
  /** All tasks of a group, oldest first. */
  tasks<D = unknown>(taskGroupId: string): Promise<Task<D>[]>;
  /** Keyset-paginated listing: status by status, waiting tasks in reservation order, resting ones by `updatedAt` (see `Page.data`). */
  listTasks<D = unknown>(filters?: ListFilters, cursor?: CursorOptions): Promise<Page<D>>;
  /** How many tasks match `filters` (counted on an index). */
  countTasks(filters?: ListFilters): Promise<number>;
  /** Takes the oldest reservable task of `topic`, or `null` when none. */
  reserveTask<D = unknown>(topic: string, pid: string, opts?: ReserveOptions): Promise<Task<D> | null>;
  /** Takes up to `n` reservable tasks of `topic` in one statement, each with its own lease. */
  reserveTasks<D = unknown>(topic: string, pid: string, n: number, opts?: ReserveManyOptions): Promise<Task<D>[]>;
  /**
   * Waits until a task of `topic` may be reservable, without polling the
   * table: resolves `true` as soon as one is (created or handed back in this
   * process, committed by another process on the same `file:` database, or
   * a snooze or lease running out), `false` at `timeoutMs` or when `signal`
   * aborts. `true` is a hint, not a reservation: another consumer may take
   * the task first, so reserve and wait again. Idle workers, drains and the
   * HTTP long poll (`waitMs`) wait with it.
   *
   * @example
   * ```ts
   * let t = await taskq.reserveTask("email", "consumer-1");
   * while (!t && await taskq.waitForTask("email", { timeoutMs: 10_000 })) {
   *   t = await taskq.reserveTask("email", "consumer-1");
   * }
   * ```
   */
  waitForTask(topic: string, opts?: WaitOptions): Promise<boolean>;
  /**
   * Calls `onCancel` when one of the tasks `running()` names is cancelled,
   * until the returned function is called: at once for a cancel made in
   * this process on the same database (same `url`, or the same injected
   * client); within `changePollMs` for one made by another process on the
   * same `file:` database (one read of the running ids, only when another
   * connection committed). A remote database has no change signal: a cancel
   * from elsewhere is learnt at the next keepalive. Workers and drains call
   * it; optional for other implementations of `TaskQ`.
   */
  watchCancels?(running: () => readonly string[], onCancel: (taskId: string, reason: string) => void): () => void;
  /** Renews the lease of a running task owned by `pid`. */
  extendLease<D = unknown>(taskId: string, pid: string, opts?: ExtendOptions): Promise<Task<D>>;
  /** → `terminated`, keeping `opts.result` as the task's `result`. */
  terminate<D = unknown>(taskId: string, pid: string, opts?: TerminateOptions): Promise<Task<D>>;
  /**
   * A failed attempt, with `error` (`""` when none; cut to 4,000 characters
   * ending in `…(truncated)`): a running task with
   * attempts left (its `maxAttempts`, else `opts.retry.maxAttempts`, else 1)
   * → `starting`, reservable after its backoff; otherwise → `failed`.
   */
  fail<D = unknown>(taskId: string, pid: string, error?: string, opts?: FailOptions): Promise<Task<D>>;
  /** → `snoozed` for `snoozeTime` ms (default: the store's `snoozeTimeMs`). */
  snooze<D = unknown>(taskId: string, pid: string, snoozeTime?: number, opts?: FenceOptions): Promise<Task<D>>;
  /** Forcefully → `starting`, only while the stored `recordVer` equals the one given. */
  revokeLease<D = unknown>(taskId: string, recordVer: number): Promise<Task<D>>;
  /**
   * Many transitions in ONE round trip (plus one more only to explain
   * refusals). Each write is guarded and fenced exactly like its method and
   * reports its own result: a refused or invalid write never fails its
   * neighbours. Writes to the same task apply in the order given, each
   * seeing the one before (a snooze after a terminate of its task is
   * refused). The call itself rejects only when the store is unreachable.
   */
  applyWrites<D = unknown>(ops: WriteOp[]): Promise<WriteResult<D>[]>;
  /**
   * `applyWrites`, then a reservation of up to `n` tasks, in ONE transaction
   * and one round trip: a worker's tick (its outcomes, its keepalives and the
   * tasks for the slots they free) costs one request to a remote server. The
   * writes come first, so tasks they make reservable may be taken at once.
   */
  applyWritesAndReserve<D = unknown>(
    ops: WriteOp[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs?: number },
  ): Promise<{ results: WriteResult<D>[]; reserved: Task<D>[] }>;
  /**
   * How many tasks each topic has in each status, and whether it is paused:
   * every topic at once, so its cost and size grow with the number of topics.
   * Dashboards and scrapers of many topics read `topicPage` instead.
   */
  topicStats(): Promise<TopicStats[]>;
  /**
   * A page of topics in name order, each as `topicStats()` gives it, with
   * keyset cursors to the pages around it; optionally only the topics that
   * start with a prefix. Its cost follows the page, not the number of
   * topics: index seeks to find the page's topics, then one range of each
   * index for their counts (counting their tasks).
   *
   * @example
   * ```ts
   * let page = await taskq.topicPage({ limit: 100 });
   * for (;;) {
   *   for (const s of page.data) console.log(s.topic, s.counts.starting);
   *   if (!page.cursor) break;
   *   page = await taskq.topicPage({ limit: 100, cursor: page.cursor });
   * }
   * ```
   */
  topicPage(opts?: TopicPageOptions): Promise<TopicPage>;
  /**
   * The counts of `topicStats()` summed over every topic (or those starting
   * with `prefix`, or after `after` in name order): tasks per status, paused
   * topics, totals, read in one transaction. One range of each index and of
   * the activity table, not a read per topic: what `/metrics` reports for
   * the topics it does not list.
   */
  topicTotals(opts?: TopicTotalsOptions): Promise<TopicTotals>;
  /**
   * What happened per topic and minute over the last `sinceMs` (default an
   * hour): completions, failures, retries, snoozes, cancels, as counted by
   * the database. Minutes are kept two days, then folded into the totals of
   * `topicStats()`.
   */
  activity(opts?: ActivityOptions): Promise<Activity>;
  /**
   * Ends a `starting`, `snoozed`, `held` or `running` task as `cancelled`,
   * keeping `reason` as its `error` (cut to 4,000 characters ending in
   * `…(truncated)`). A running task's worker learns it at once in this
   * process, within `changePollMs` in another process on the same `file:`
   * database, and at its next keepalive on a remote database (see
   * `watchCancels`): its signal aborts with `CancelledError`; its late outcome
   * is refused (`conflict/task-cancelled`) and changes nothing.
   */
  cancelTask<D = unknown>(taskId: string, reason?: string): Promise<Task<D>>;
  /** Keeps a waiting (`starting` or `snoozed`) task from being reserved: → `held`. */
  holdTask<D = unknown>(taskId: string): Promise<Task<D>>;
  /** `held` → `starting`, reservable at once. */
  releaseTask<D = unknown>(taskId: string): Promise<Task<D>>;
  /** Re-runs a `failed` or `cancelled` task: → `starting`, same id, attempts afresh, history (`attempts`, `error`) kept. */
  retryTask<D = unknown>(taskId: string): Promise<Task<D>>;
  /**
   * Creates the schedule `def.name`, or replaces it (keeping where its firing
   * stands: a slot already fired is never fired again, whatever the new
   * cron). Firing starts at the first slot after now (database clock).
   */
  schedule<D = unknown>(def: ScheduleDef<D>): Promise<Schedule<D>>;
  /**
   * Deletes a schedule; resolves `false` when there is none of that name.
   * The tasks it already made stay as they are (cancel waiting ones with
   * `listTasks({ schedule })` and `cancelTask`).
   */
  unschedule(name: string): Promise<boolean>;
  /** The schedule, or `null`. */
  getSchedule<D = unknown>(name: string): Promise<Schedule<D> | null>;
  /** Every schedule (or those of `topic`), by name. */
  listSchedules(opts?: { topic?: string }): Promise<Schedule[]>;
  /** Stops a schedule firing; its slots while paused are skipped. `schedule-not-found` when none. */
  pauseSchedule<D = unknown>(name: string): Promise<Schedule<D>>;
  /** Lets a paused schedule fire again, from its first slot after now. `schedule-not-found` when none. */
  resumeSchedule<D = unknown>(name: string): Promise<Schedule<D>>;
  /**
   * Fires the due slots of the active schedules (of `topics`, or all): for
   * each, one transaction that makes the slots' tasks and moves the
   * schedule's `nextSlotAt` on by compare-and-set, so however many
   * processes fire at once every slot makes one task. Workers, drains and
   * `scheduler()` call it; a call when nothing is due is one read.
   */
  fireSchedules(opts?: { topics?: string[] }): Promise<FireResult>;
  /** Stops all reservation on `topic`, for every worker and drain in every process; touches no task. Idempotent. */
  pauseTopic(topic: string): Promise<void>;
  /** Lets reservation on `topic` go on. Idempotent. */
  resumeTopic(topic: string): Promise<void>;
  /**
   * Sets `topic`'s limits (see {@link TopicLimits}), replacing any it had;
   * `null` removes them. Stored in the database: every process's next
   * reservation obeys them. Resolves the limits as stored.
   */
  setTopicLimits(topic: string, limits: TopicLimits | null): Promise<TopicLimits | null>;
  /** `topic`'s limits, `null` when it has none. */
  topicLimits(topic: string): Promise<TopicLimits | null>;
  /** Deletes finished tasks older than `olderThanMs`, in batches; resolves how many were deleted. */
  pruneTasks(opts: PruneOptions): Promise<number>;
  /**
   * Closes the store: its `signal` aborts, so workers and drains on it stop
   * (handing their tasks back), calls under way finish, then the connection
   * is released (never an injected client). Later calls are
   * `unavailable/store-closed`.
   */
  close(): Promise<void>;
  /** Aborts when `close()` is called; its reason is the `store-closed` TaskError. */
  readonly signal: AbortSignal;
  /**
   * How many statements this store has sent its database since it was
   * created: each statement of a batch counts, and a call tried again counts
   * again. `drain({ maxQueries })` reads it to stay under a per-invocation
   * query limit (Cloudflare D1's 50 or 1,000 per Worker invocation).
   */
  readonly statementsSent?: number;
  /**
   * Which driver and SQLite the store runs on (opens the store if it is not
   * open yet).
   *
   * @example
   * ```ts
   * const { driver, sqliteVersion } = await taskq.storeInfo(); // e.g. "better-sqlite3", "3.53.2"
   * ```
   */
  storeInfo(): Promise<StoreInfo>;
  /**
   * Listens to the store's `warning` events (e.g. a `file:` database on a
   * SQLite with the WAL-reset bug), each given once per store. A warning is
   * printed with `console.warn` unless a listener calls
   * `event.preventDefault()`.
   */
  addEventListener<K extends keyof TaskQEventMap>(
    type: K,
    listener: (event: TaskQEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof TaskQEventMap>(
    type: K,
    listener: (event: TaskQEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Lease length used when a caller gives none. */
  readonly leaseTimeMs: number;
  /** Snooze length used when an outcome gives none. */
  readonly snoozeTimeMs: number;
}

/**
 * What a processor function returns; build it with `ok()`, `failed()`, `snoozed()`, `committed()`.
 * `R` is the type of a completed task's `result` (a typed task's result schema gives it).
 */
export type Outcome<R = unknown> =
  | { event: "completed"; result?: R }
  | { event: "failed"; errorMessage?: string }
  | { event: "snoozed"; snoozeTime?: number }
  | { event: "rateLimited"; delayMs: number }
  /** the function completed the task itself, in its own batch (`completeBatch`): the worker writes nothing */
  | { event: "committed" };

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
  /** The store to take tasks from. */
  taskq: TaskQ;
  /** The topic to poll. */
  topic: string;
  /** Your function, run once per reserved task. */
  pfn: ProcessorFn<D>;
  /** Unique per worker; generated when absent. */
  pid?: string;
  /** Default: the TaskQ's `leaseTimeMs`. */
  leaseTimeMs?: number;
  /** Default `floor(leaseTimeMs * 0.7)`. */
  keepaliveMs?: number;
  /** Default `5 * leaseTimeMs`; a task's own `timeoutMs` wins. */
  timeoutMs?: number;
  /**
   * Longest an idle worker goes without looking at the database (its
   * fallback when no wake-up reaches it). Default `min(2000, leaseTimeMs)`.
   */
  maxPollIntervalMs?: number;
  /** Tasks run at once. Default 1. */
  concurrency?: number;
  /** Failed attempts allowed for tasks created without `maxAttempts` (default 1: a failed outcome is final). */
  maxAttempts?: number;
  /** Backoff for tasks created without their own (default exponential: 1 s base, 1 h cap, jitter). */
  backoff?: Backoff;
  /**
   * Fire the due slots of the schedules of this topic (see `schedule()`):
   * a worker looks at them at each slot and at least once a second; a drain
   * once, when it starts. Default `true`; any number of workers and
   * processes may fire one schedule, each slot still makes one task.
   */
  schedules?: boolean;
  /** Aborting it stops the worker like `stop()`. */
  signal?: AbortSignal;
}

/** Options of `drain()`: those of the worker (but its poll interval) plus the bounds of one invocation. */
export interface DrainOptions<D = unknown>
  extends Omit<WorkerOptions<D>, "topic" | "pid" | "timeoutMs" | "maxPollIntervalMs" | "signal"> {
  /** The topic to drain. */
  topic: string;
  /** Owner name of the reservations; generated when absent. */
  pid?: string;
  /** Default `min(5 * leaseTimeMs, budgetMs / 5)`; a task's own `timeoutMs` wins. */
  timeoutMs?: number;
  /** Aborting it ends the drain early: running tasks are aborted and handed back. */
  signal?: AbortSignal;
  /** Stop reserving after this long (default 25000); a task is started only if its timeout fits in what is left. */
  budgetMs?: number;
  /** Stop after this many tasks (default unlimited). */
  maxTasks?: number;
  /**
   * Most statements the drain may send its store (default unlimited), for a
   * host that limits queries per invocation (Cloudflare D1: 50 on Workers
   * Free, 1,000 on Paid). Each statement counts, a batch's each one (the
   * stricter reading of D1's limit), a retried call again, and so do the
   * store's first-use schema check and whatever the processor sends through
   * the same store. The drain stops reserving while the next reservation,
   * plus room for the outcome of every task running (its write, a topic
   * hold, a read that explains a refused write, and a keepalive per
   * `keepaliveMs` of its timeout), would pass it; a reserved task always gets
   * its outcome, or is handed back. It waits for a freed slot instead of
   * looking for new tasks (a look is a read). Needs a store that counts its
   * statements (`TaskQ.statementsSent`; every store of `createTaskQ` does).
   * Leave room for what the invocation sends besides the drain. The firing
   * of the topic's due schedules that opens a drain is counted but not
   * capped (about 5 statements for one due schedule); with many schedules
   * due at once on a tight budget, fire them elsewhere (`schedules: false`).
   */
  maxQueries?: number;
}

/** What one `drain()` did. */
export interface DrainResult {
  /** Tasks reserved. */
  reserved: number;
  /** Tasks that ended `terminated`. */
  completed: number;
  /** Tasks that ended `failed` (including timeouts). */
  failed: number;
  /** Tasks that were snoozed. */
  snoozed: number;
  /** Tasks whose lease was lost or that were handed back unfinished. */
  lost: number;
  /** Tasks cancelled while they ran (`cancelTask`). */
  cancelled: number;
  /**
   * Tasks whose timeout did not fit what was left of the budget: reserved,
   * handed back untouched at once, and not taken again by this drain (not
   * counted in `reserved`). At 1,000 of them the drain ends.
   */
  tooLong: number;
  /** Wall time of the drain. */
  ms: number;
  /** Statements the store sent during the drain (absent: the store does not count them). */
  queries?: number;
}

/** Options of `Worker.stop()`. */
export interface StopOptions {
  /** Let running tasks finish first (up to `timeoutMs`), then stop. */
  drain?: boolean;
  /** How long a draining stop waits before it aborts what still runs. Default: the worker's timeout. */
  timeoutMs?: number;
}

/** What a store runs on (`TaskQ.storeInfo()`). */
export interface StoreInfo {
  /**
   * The driver: for an embedded database the SQLite library (`better-sqlite3`,
   * `node:sqlite`, `bun:sqlite`, `libsql`), else `@libsql/client`.
   */
  driver: string;
  /** `sqlite_version()` of the database (of the server, for a remote one). */
  sqliteVersion: string;
}

/** The store's warnings: `sqlite-wal-reset-bug`, a `file:` database on a SQLite from 3.7.0 to 3.51.2. */
export type TaskQWarningCode = "sqlite-wal-reset-bug";

/** A store's warning (`TaskQ.addEventListener("warning", …)`). */
export interface TaskQWarning {
  /** What is wrong and how to fix it. */
  message: string;
  /** Which warning (see {@link TaskQWarningCode}). */
  code: TaskQWarningCode;
}

/** The events of a {@link TaskQ} and what their `detail` holds. */
export interface TaskQEventMap {
  /** Something about the store a user should fix (given once per store and code). */
  warning: CustomEvent<TaskQWarning>;
}

/** A running worker; listen to its events with `addEventListener`. */
export interface Worker extends EventTarget {
  /** The owner name of this worker's reservations. */
  readonly pid: string;
  /** Stops polling, aborts (or with `drain`, first awaits) running tasks, hands their leases back. */
  stop(opts?: StopOptions): Promise<void>;
  /** Settles when the worker has fully stopped. */
  readonly done: Promise<void>;
  /** Listens to one of the worker's events; `event.detail` is typed by {@link WorkerEventMap}. */
  addEventListener<K extends keyof WorkerEventMap>(
    type: K,
    listener: (event: WorkerEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void;
  /** Any other event name, as on every `EventTarget`. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | ListenerOptions,
  ): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof WorkerEventMap>(
    type: K,
    listener: (event: WorkerEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Any other event name, as on every `EventTarget`. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** Options of `Worker.addEventListener`, as on every `EventTarget` (declared here so no DOM lib is needed). */
export interface ListenerOptions {
  /** Listen in the capture phase (no effect: a worker has no tree). */
  capture?: boolean;
  /** Remove the listener after its first call. */
  once?: boolean;
  /** Promise not to call `preventDefault()`. */
  passive?: boolean;
  /** Remove the listener when this signal aborts. */
  signal?: AbortSignal;
}

/** The events of a {@link Worker} and what their `detail` holds. */
export interface WorkerEventMap {
  /** A task was reserved and is about to run. */
  reserved: CustomEvent<Task>;
  /**
   * A task completed; `detail` is the task as stored (`terminated`), or, after
   * `committed()` (completed in the function's own batch), the task as reserved.
   */
  completed: CustomEvent<Task>;
  /** A task failed (its function failed, threw, returned nonsense or timed out); `detail` is the stored task. */
  failed: CustomEvent<Task>;
  /** A task was snoozed; `detail` is the stored task. */
  snoozed: CustomEvent<Task>;
  /** A task ran past its timeout; its signal aborted and a `failed` event follows. */
  timeout: CustomEvent<{ task: Task; timeoutMs: number }>;
  /** The worker lost a task's lease (another worker owns it now); no outcome was written. */
  "lease-lost": CustomEvent<{ task: Task; error: unknown }>;
  /** A store error the worker survived (a failed poll, a write given up after retries). */
  error: CustomEvent<unknown>;
  /** A running task was cancelled (`cancelTask`): its signal aborted with `CancelledError`; no outcome was written. */
  cancelled: CustomEvent<Task>;
  /** A running task was handed back (→ `starting`) because the worker stopped; another worker takes it at once. */
  released: CustomEvent<Task>;
  /** The worker has stopped; `reason` says why: `stop()`, its `signal`, or its store was closed. */
  stopped: CustomEvent<{ pid: string; reason: "stop" | "signal" | "store-closed" }>;
}

/** Names of the events a worker dispatches (`CustomEvent`s; `detail` holds the task or error). */
export type WorkerEventName = keyof WorkerEventMap;
