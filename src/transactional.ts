/**
 * Tasks in the caller's own transaction or batch: a task that exists only
 * if the caller's transaction commits (`enqueueTx`, `enqueueBatch`), a
 * task's completion committed with the caller's own writes
 * (`completeBatch`), and the wake-up of this process's idle workers after
 * the caller's commit (`notifyCommitted`). See docs/transactions.md.
 *
 * @module
 */

import { checkTaskQ } from "./api.ts";
import { transactionalOf } from "./transactional-path.ts";
import type {
  CompleteBatch,
  EnqueueBatch,
  Enqueued,
  EnqueuedMany,
  EnqueueManyBatch,
  Task,
  TaskDef,
  TaskQ,
  TxExecutor,
} from "./types.ts";

/**
 * Creates a task (or, given an array, many: all or none) through your own
 * transaction, answering what `enqueue` (`enqueueMany`) would: the task
 * exists only if your transaction commits. The same validation, errors,
 * unique keys, dependencies and refs as `enqueue`; nothing goes through the
 * store's own connection (it bypasses group commit), so it works while your
 * transaction holds the write lock. A refused create (an existing id, a
 * missing dependency) rejects with its `TaskError` and leaves nothing of
 * itself in your transaction. The schema must exist first (any call on the
 * store makes it: `await taskq.storeInfo()` at start-up). After the commit,
 * `notifyCommitted` wakes this process's idle workers; other processes on a
 * `file:` database notice the commit by themselves.
 *
 * @example
 * ```ts
 * const tx = await client.transaction("write");
 * try {
 *   await tx.execute({ sql: "INSERT INTO orders (id) VALUES (?)", args: [orderId] });
 *   const made = await enqueueTx(taskq, tx, { topic: "ship", data: { orderId } });
 *   await tx.commit();
 *   notifyCommitted(taskq, made);
 * } finally {
 *   tx.close();
 * }
 * ```
 */
export function enqueueTx<D>(taskq: TaskQ, tx: TxExecutor, def: TaskDef<D>): Promise<Enqueued<D>>;
/**
 * Creates many tasks through your own transaction, all or none, answering
 * what `enqueueMany` would (see the one-definition form).
 *
 * @example
 * ```ts
 * const { tasks } = await enqueueTx(taskq, tx, [{ topic: "a" }, { topic: "b" }]);
 * ```
 */
export function enqueueTx<D>(taskq: TaskQ, tx: TxExecutor, defs: TaskDef<D>[]): Promise<EnqueuedMany<D>>;
export function enqueueTx<D>(
  taskq: TaskQ,
  tx: TxExecutor,
  input: TaskDef<D> | TaskDef<D>[],
): Promise<Enqueued<D> | EnqueuedMany<D>> {
  try {
    const ops = transactionalOf(checkTaskQ(taskq, "enqueueTx"), "enqueueTx");
    return ops.enqueueTx(tx, input, Array.isArray(input)) as Promise<Enqueued<D> | EnqueuedMany<D>>;
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The statements that create a task (or, given an array, many: all or
 * none), for your own atomic batch — `client.batch([...yours,
 * ...statements], "write")`, the only form D1 allows, or a synchronous
 * library's transaction (`runStatementsSync`) — and `read`, which turns
 * their results (your slice of the batch's results) into what `enqueue`
 * (`enqueueMany`) would answer. Validated now: a bad definition throws a
 * `TaskError` naming the field before anything runs. An existing id, a
 * missing dependency or a held key with `onDuplicate: "error"` fails a
 * statement, so the whole batch rolls back (your statements too) with the
 * database's constraint error. The schema must exist first, as for
 * `enqueueTx`; call `notifyCommitted` after the commit.
 *
 * @example
 * ```ts
 * const batch = enqueueBatch(taskq, { topic: "welcome", data: { userId } });
 * const results = await client.batch([
 *   { sql: "INSERT INTO users (id) VALUES (?)", args: [userId] },
 *   ...batch.statements,
 * ], "write");
 * const { task } = batch.read(results.slice(1));
 * notifyCommitted(taskq, task);
 * ```
 */
export function enqueueBatch<D>(taskq: TaskQ, def: TaskDef<D>): EnqueueBatch<D>;
/**
 * The statements that create many tasks, all or none, for your own atomic
 * batch, and `read`, answering what `enqueueMany` would (see the
 * one-definition form).
 *
 * @example
 * ```ts
 * const batch = enqueueBatch(taskq, [{ topic: "a" }, { topic: "b" }]);
 * const { tasks } = batch.read(await client.batch(batch.statements, "write"));
 * ```
 */
export function enqueueBatch<D>(taskq: TaskQ, defs: TaskDef<D>[]): EnqueueManyBatch<D>;
export function enqueueBatch<D>(
  taskq: TaskQ,
  input: TaskDef<D> | TaskDef<D>[],
): EnqueueBatch<D> | EnqueueManyBatch<D> {
  const ops = transactionalOf(checkTaskQ(taskq, "enqueueBatch"), "enqueueBatch");
  return ops.enqueueBatch(input, Array.isArray(input)) as EnqueueBatch<D> | EnqueueManyBatch<D>;
}

/**
 * Wakes this process's idle workers, drains and long polls waiting on the
 * topics of tasks you created in your own transaction or batch, once it has
 * committed (each from its `runAt`). Call it only after the commit, never
 * on a rollback. A connection's own commit does not move its
 * `PRAGMA data_version` and the store did not see the write, so nothing
 * else tells this process; other processes on a `file:` database notice the
 * commit by themselves within `changePollMs`, and on a remote database at
 * their next poll.
 *
 * @example
 * ```ts
 * const made = await enqueueTx(taskq, tx, { topic: "ship", data: { orderId } });
 * await tx.commit();
 * notifyCommitted(taskq, made);
 * ```
 */
export function notifyCommitted(
  taskq: TaskQ,
  made: Task | readonly Task[] | Enqueued | EnqueuedMany,
): void {
  const ops = transactionalOf(checkTaskQ(taskq, "notifyCommitted"), "notifyCommitted");
  const m = made as Partial<Enqueued & EnqueuedMany> | readonly Task[];
  const tasks = Array.isArray(m)
    ? m
    : (m as Partial<EnqueuedMany>).tasks ?? [(m as Partial<Enqueued>).task ?? (m as Task)];
  ops.notify(tasks.filter((t) => typeof t?.topic === "string"));
}

/**
 * Statements that complete a running task (→ `terminated`, keeping
 * `result`, encoded and size-limited as `ok(result)`'s) in your own atomic
 * batch, ONLY while its lease holds: its pid and lease id as reserved, not
 * expired by the database clock. When the lease was lost (the task was
 * handed back, cancelled, reserved again, or its lease ran out) a statement
 * fails with "sokka: lease lost: task <id> …", and the whole batch rolls
 * back, your own statements included: your writes and the completion commit
 * together or not at all. Never an interactive transaction held open across
 * your code. In a worker, return `committed()` after the batch committed.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "invoice", pfn: async (task) => {
 *   const done = completeBatch(taskq, task, { paid: true });
 *   await client.batch([{ sql: "UPDATE invoices SET paid = 1 WHERE id = ?", args: [task.data.id] }, ...done.statements], "write");
 *   return committed();
 * } });
 * ```
 */
export function completeBatch(taskq: TaskQ, task: Task, result?: unknown): CompleteBatch {
  return transactionalOf(checkTaskQ(taskq, "completeBatch"), "completeBatch").completeBatch(task, result);
}
