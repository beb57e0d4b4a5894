/**
 * The way into a store's transactional operations (the libSQL store offers
 * it): statements for the caller's own transaction or batch, and in-process
 * wake-ups after the caller's commit. A symbol, not part of `TaskQ`: a store
 * that writes no SQL has none, and `transactionalOf` says so.
 *
 * @module
 */

import { TaskError } from "./errors.ts";
import type {
  CompleteBatch,
  EnqueueBatch,
  Enqueued,
  EnqueuedMany,
  EnqueueManyBatch,
  Task,
  TxExecutor,
} from "./types.ts";

/** The key of the method; a symbol, so it never shows among a store's public methods. */
export const TRANSACTIONAL: unique symbol = Symbol("sokka.transactional");

/** What a store offers for the caller's own transactions and batches. */
export interface TransactionalOps {
  /** Creates `input` (one definition, or many with `many`) through `tx`, as `enqueue` / `enqueueMany` would. */
  enqueueTx(tx: TxExecutor, input: unknown, many: boolean): Promise<Enqueued | EnqueuedMany>;
  /** The statements of `enqueue(input)` (`enqueueMany` with `many`), validated now, and how to read their results. */
  enqueueBatch(input: unknown, many: boolean): EnqueueBatch | EnqueueManyBatch;
  /** Statements that end `task` `terminated` with `result` only while its lease holds. */
  completeBatch(task: unknown, result: unknown): CompleteBatch;
  /** Wakes this process's waiters on the topics of `tasks` (after the caller's commit), each from its `runAt`. */
  notify(tasks: readonly Task[]): void;
}

/** A store with transactional operations. */
export interface TransactionalStore {
  [TRANSACTIONAL](): TransactionalOps;
}

/** The transactional operations of `taskq`, or `bad-request` when its store has none. */
export function transactionalOf(taskq: unknown, what: string): TransactionalOps {
  const store = taskq as Partial<TransactionalStore> | null;
  if (typeof store?.[TRANSACTIONAL] !== "function") {
    throw new TaskError(
      "bad-request",
      "invalid-options",
      `${what}: the store writes no SQL of yours: only a libSQL store (createTaskQ) runs in your transaction or batch`,
      { issues: [{ path: "taskq", message: "must be a store from createTaskQ" }] },
    );
  }
  return store[TRANSACTIONAL]!();
}
