/**
 * sokka: a durable background task queue for TypeScript on libSQL — topics,
 * task groups, lease-based reservation with keepalive, per-task timeouts,
 * snooze / fail / complete, and a worker that runs your function for each
 * task. Runs on Node, Bun, Deno and edge workers.
 *
 * @example
 * ```ts
 * import { createTask, createTaskQ, ok, worker } from "sokka";
 *
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * await createTask(taskq, { topic: "greet", data: { name: "Ada" } });
 * const w = worker({ taskq, topic: "greet", pfn: (task) => { console.log(task.data); return ok(); } });
 * ```
 *
 * @module
 */

export { createTaskQ } from "./src/libsql/taskq.ts";
export type { StoreDriver } from "./src/drivers/driver.ts";
export {
  d1,
  type D1DatabaseLike,
  D1DriverError,
  type D1PreparedStatementLike,
  type D1ResultLike,
} from "./src/drivers/d1.ts";
export {
  type DurableObjectSql,
  durableObjectSql,
  type DurableObjectSqlCursor,
  type DurableObjectSqlStorage,
  type DurableObjectSqlValue,
} from "./src/drivers/durable-object.ts";
export {
  type AlarmRun,
  drainOnAlarm,
  type DrainOnAlarmOptions,
  type DurableObjectAlarmStorage,
  ensureAlarm,
  nextWakeAt,
  type WakeOptions,
} from "./src/drivers/durable-object-alarm.ts";
export { TestClock } from "./src/test-clock.ts";
export {
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  schedule,
  unschedule,
} from "./src/schedules/api.ts";
export {
  cancelTask,
  createTask,
  createTasks,
  holdTask,
  listTasks,
  pauseTopic,
  pruneTasks,
  releaseTask,
  resumeTopic,
  retryTask,
  scrollTasks,
  task,
  tasks,
} from "./src/api.ts";
export { dependants, dependencies, enqueue, enqueueMany, groupFollowUp, sealGroup } from "./src/flows-api.ts";
export { completeBatch, enqueueBatch, enqueueTx, notifyCommitted } from "./src/transactional.ts";
export { runStatementsSync } from "./src/libsql/sync-statements.ts";
export { worker } from "./src/worker/worker.ts";
export { type Scheduler, scheduler, type SchedulerEventMap, type SchedulerOptions } from "./src/schedules/scheduler.ts";
export { drain } from "./src/worker/drain.ts";
export { committed, failed, ok, rateLimited, snoozed } from "./src/worker/outcome.ts";
export { setTopicLimits, topicLimits } from "./src/limits-api.ts";
export { defineTask } from "./src/typed/define-task.ts";
export type {
  AnyStandardSchema,
  DefineTaskOptions,
  SchemaInput,
  SchemaOutput,
  TaskDefaults,
  TaskDefinition,
  TypedCreateOptions,
  TypedDrainOptions,
  TypedProcessorFn,
  TypedTaskItem,
  TypedWorkerOptions,
} from "./src/typed/types.ts";
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorType,
  HTTP_STATUS,
  type Issue,
  isTaskError,
  TaskError,
} from "./src/errors.ts";
export type {
  Activity,
  ActivityCounts,
  ActivityMinute,
  ActivityOptions,
  Backoff,
  BatchArg,
  BatchResult,
  BatchStatement,
  CompleteBatch,
  CursorOptions,
  Dependency,
  DependencyFailurePolicy,
  DependencyPageOptions,
  DrainOptions,
  DrainResult,
  EnqueueBatch,
  Enqueued,
  EnqueuedMany,
  EnqueueManyBatch,
  ExtendOptions,
  FailOptions,
  FenceOptions,
  FireResult,
  ListenerOptions,
  ListFilters,
  Outcome,
  Page,
  ProcessorContext,
  ProcessorFn,
  PruneOptions,
  ReserveManyOptions,
  ReserveOptions,
  Retention,
  RetryDefaults,
  Schedule,
  ScheduleDef,
  StopOptions,
  StoreInfo,
  SyncDatabase,
  Task,
  TaskDef,
  TaskQ,
  TaskQEventMap,
  TaskQOptions,
  TaskQWarning,
  TaskQWarningCode,
  TaskStatus,
  TerminateOptions,
  TopicLimits,
  TopicPage,
  TopicPageOptions,
  TopicStats,
  TopicTotals,
  TopicTotalsOptions,
  TxExecutor,
  UniquePolicy,
  WaitOptions,
  Worker,
  WorkerEventMap,
  WorkerEventName,
  WorkerOptions,
  WriteOp,
  WriteResult,
} from "./src/types.ts";
