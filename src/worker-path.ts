/**
 * The worker's own way into a store that offers it (the libSQL store does):
 * the writes a worker builds itself are not validated again, and its fenced
 * terminates return only the task's new version and time, the worker giving
 * the task it reserved (`base`) to build the rest from. Not part of `TaskQ`:
 * a worker on any other store uses `applyWritesAndReserve` / `applyWrites`.
 *
 * @module
 */

import type { Task, WriteOp, WriteResult } from "./types.ts";

/** The key of the method; a symbol, so it never shows among a store's public methods. */
export const WORKER_WRITES: unique symbol = Symbol("sokka.workerWrites");

/** A worker's write, and for a fenced terminate the task as it was reserved. */
export interface WorkerWrite {
  op: WriteOp;
  base?: Task;
}

/** A store with the worker's path. */
export interface WorkerWrites {
  /**
   * As `applyWritesAndReserve` (without a reservation when `reserve` is null):
   * each write answered on its own, in one round trip and one transaction.
   */
  [WORKER_WRITES](
    writes: WorkerWrite[],
    reserve: { topic: string; pid: string; n: number; leaseTimeMs: number } | null,
  ): Promise<{ results: WriteResult[]; reserved: Task[] }>;
}

/** The store's worker path, or null when it has none. */
export function workerWritesOf(taskq: unknown): WorkerWrites | null {
  return typeof (taskq as Partial<WorkerWrites>)[WORKER_WRITES] === "function" ? taskq as WorkerWrites : null;
}
