/**
 * What an execution needs from the worker (or drain) that runs it, and how
 * it can end.
 *
 * @module
 */

import type { ProcessorFn, RetryDefaults, Task, TaskQ, WorkerEventName } from "../types.ts";
import type { Writer } from "./writer.ts";

/** How an execution ended. */
export type ExecResult =
  | "completed"
  | "failed"
  | "snoozed"
  | "timeout"
  | "lost"
  | "released"
  | "cancelled"
  | "error";

/** What an execution needs from the worker (or drain) that runs it. */
export interface ExecEnv {
  taskq: TaskQ;
  /** Where keepalives and outcomes go (coalesced per round trip). */
  writer: Writer;
  pid: string;
  pfn: ProcessorFn<any>;
  leaseTimeMs: number;
  keepaliveMs: number;
  /** The timeout when the task has none of its own. */
  timeoutMs: number;
  /** Retry settings for tasks without their own, sent with each failed attempt. */
  retry?: RetryDefaults;
  emit(name: WorkerEventName, detail: unknown): void;
  /** Called when the function is done and only the outcome write is left (its slot frees with that write). */
  onSettled?(task: Task): void;
}

/** The timeout that applies to `task`. */
export function effectiveTimeout(task: Task, env: { timeoutMs: number }): number {
  return task.timeoutMs ?? env.timeoutMs;
}
