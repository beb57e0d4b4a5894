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

/**
 * The key of how many worker calls a store takes in flight at once (a number; absent: 1). A store over a
 * network says more than one, so a worker sends its next call (outcomes, next reservation) while one is
 * still under way instead of waiting a round trip per tick; a store on a local file says 1 (no round
 * trip to hide, and one call at a time keeps its path as it is).
 */
export const WORKER_CALLS_IN_FLIGHT: unique symbol = Symbol("sokka.workerCallsInFlight");

/** How many worker calls `taskq` takes in flight at once: at least 1. */
export function callsInFlightOf(taskq: unknown): number {
  const n = (taskq as { [WORKER_CALLS_IN_FLIGHT]?: unknown })[WORKER_CALLS_IN_FLIGHT];
  return typeof n === "number" && n > 1 ? Math.floor(n) : 1;
}
