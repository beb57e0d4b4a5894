/**
 * One execution of the processor function for one reserved task: its
 * AbortSignal, its keepalive, its timeout, and the fenced write of its
 * outcome. Shared by `worker()` and `drain()`.
 *
 * @module
 */

import type { TaskError } from "../errors.ts";
import type { ProcessorFn, RetryDefaults, Task, TaskQ, WorkerEventName, WriteOp } from "../types.ts";
import { describeError, toOutcome } from "./outcome.ts";
import { isLeaseLost, retryTransient } from "./transient.ts";
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

/** Names of the reasons an execution's signal aborts with (`signal.reason.name`). */
export const ABORT = {
  timeout: "TimeoutError",
  leaseLost: "LeaseLostError",
  cancelled: "CancelledError",
  stopped: "WorkerStoppedError",
} as const;

/** An abort reason: a DOMException whose `name` says why. */
export function abortReason(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** The timeout that applies to `task`. */
export function effectiveTimeout(task: Task, env: { timeoutMs: number }): number {
  return task.timeoutMs ?? env.timeoutMs;
}

/** What ended a run first: the function (its value or what it threw), or a stop. */
type First = { value: unknown } | { error: unknown } | "aborted";

/** A running execution; `done` never rejects. */
export interface Execution {
  readonly task: Task;
  readonly done: Promise<ExecResult>;
  /** Aborts the execution (stop): its lease is handed back unless it already finished. */
  abort(reason: unknown): void;
}

/** Starts running `task` (just reserved by `env.pid`). */
export function execute(env: ExecEnv, task: Task): Execution {
  // One reason to stop (timeout, lease lost, stop) ends the run; its name
  // tells which. The function's signal carries it, made only when the function
  // reads it (an AbortController and its listener were a tenth of a no-op
  // task's cost). The timeout is a timer cleared as soon as the execution
  // ends: AbortSignal.timeout's own timer cannot be cleared and would keep
  // each finished execution in memory for the whole timeout (measured: one
  // retained Timeout per task).
  let control: AbortController | undefined;
  let stopped: { reason: unknown } | undefined;
  let settle!: (first: First) => void;
  const first = new Promise<First>((resolve) => (settle = resolve));
  const stop = (reason: unknown) => {
    if (stopped) return;
    stopped = { reason };
    control?.abort(reason);
    settle("aborted");
  };
  const signalOf = (): AbortSignal => {
    if (!control) {
      control = new AbortController();
      if (stopped) control.abort(stopped.reason);
    }
    return control.signal;
  };
  const timeoutMs = effectiveTimeout(task, env);
  const timer = setTimeout(() => stop(abortReason(ABORT.timeout, `timed out after ${timeoutMs} ms`)), timeoutMs);
  const { taskId } = task;
  const pid = env.pid;
  const leaseId = task.leaseId!;
  let recordVer = task.recordVer;
  let keepalive: ReturnType<typeof setTimeout> | undefined;
  // A keepalive under way; an outcome waits for it so its recordVer is current.
  let inflight: Promise<void> = Promise.resolve();
  let finished = false;

  const extend = async () => {
    try {
      const t = await retryTransient(() =>
        env.writer.write({
          op: "extendLease",
          taskId: task.taskId,
          pid: env.pid,
          leaseId,
          leaseTimeMs: env.leaseTimeMs,
        }), true // renewing twice is harmless: a keepalive that timed out is sent again
      );
      recordVer = t.recordVer;
      if (!finished) scheduleKeepalive();
    } catch (error) {
      if (finished) return;
      if ((error as TaskError).code === "task-cancelled") {
        stop(abortReason(ABORT.cancelled, `cancelled: ${(error as Error).message}`));
        env.emit("cancelled", task);
        return;
      }
      // Lost for good, or the store stayed unreachable: either way the lease
      // can no longer be vouched for, so give the task up.
      stop(abortReason(ABORT.leaseLost, `lease lost: ${(error as Error).message}`));
      env.emit("lease-lost", { task, error });
    }
  };
  const scheduleKeepalive = () => {
    keepalive = setTimeout(() => {
      inflight = extend();
    }, env.keepaliveMs);
  };

  const failOp = { op: "fail", taskId, pid, leaseId, ...(env.retry ? { retry: env.retry } : {}) } as const;

  const run = async (): Promise<ExecResult> => {
    scheduleKeepalive();
    // The function's promise races the stop, never awaited alone: JavaScript
    // cannot stop code that ignores its signal, but its late result is discarded.
    const context = {
      pid,
      get signal() {
        return signalOf();
      },
    };
    Promise.resolve()
      .then(() => env.pfn(task, context))
      .then((value) => settle({ value }), (error: unknown) => settle({ error }));
    const ended = await first;
    finished = true;
    clearTimeout(timer);
    clearTimeout(keepalive);
    env.onSettled?.(task);
    await inflight;

    if (ended === "aborted") {
      const reason = stopped?.reason as { name?: string } | undefined;
      if (reason?.name === ABORT.timeout) {
        env.emit("timeout", { task, timeoutMs });
        return write("timeout", { ...failOp, error: `timed out after ${timeoutMs} ms` });
      }
      if (reason?.name === ABORT.leaseLost) return "lost";
      if (reason?.name === ABORT.cancelled) return "cancelled";
      // Stopped: hand the lease back so another worker takes the task at once.
      return write("released", { op: "revokeLease", taskId, recordVer });
    }

    const outcome = "error" in ended
      ? { event: "failed" as const, errorMessage: describeError(ended.error) }
      : toOutcome(ended.value);
    switch (outcome.event) {
      case "completed":
        return write("completed", { op: "terminate", taskId, pid, leaseId, result: outcome.result });
      case "failed":
        return write("failed", { ...failOp, error: outcome.errorMessage ?? "" });
      case "snoozed":
        return write("snoozed", { op: "snooze", taskId, pid, leaseId, snoozeTime: outcome.snoozeTime });
    }
  };

  /** Writes an outcome (fenced, retried); a fence refusal is a `lease-lost` event, not a crash. */
  const write = async (result: ExecResult, op: WriteOp): Promise<ExecResult> => {
    try {
      const updated = await retryTransient(() => env.writer.write(op, task));
      if (result === "completed" || result === "snoozed" || result === "released") env.emit(result, updated);
      else if (result === "failed" || result === "timeout") env.emit("failed", updated);
      return result;
    } catch (error) {
      // cancelled while it ran: the outcome is refused and changes nothing
      if ((error as TaskError).code === "task-cancelled") {
        env.emit("cancelled", task);
        return "cancelled";
      }
      if (isLeaseLost(error) || (result === "released" && (error as TaskError).code === "task-concurrently-updated")) {
        env.emit("lease-lost", { task, error });
        return "lost";
      }
      // the store was closed under us: the lease simply expires, as after a crash
      if ((error as TaskError).code === "store-closed") return "lost";
      // ok(result) with a result the store refuses (not JSON, too large): the attempt fails, saying why
      const code = (error as TaskError).code;
      if (op.op === "terminate" && (code === "invalid-outcome" || code === "data-too-large")) {
        return write("failed", { ...failOp, error: `ok(result) was refused: ${(error as TaskError).message}` });
      }
      env.emit("error", error);
      return "error";
    }
  };

  const done = run().catch((error) => {
    env.emit("error", error);
    return "error" as const;
  });
  return {
    task,
    done,
    abort: stop,
  };
}

/**
 * Hands a reserved task back (→ `starting`) without running it, e.g. when it
 * arrived after a stop or does not fit a drain's budget. A task that changed
 * meanwhile is left as it is.
 */
export async function handBack(env: Pick<ExecEnv, "writer" | "emit">, task: Task): Promise<void> {
  try {
    await retryTransient(() => env.writer.write({ op: "revokeLease", taskId: task.taskId, recordVer: task.recordVer }));
  } catch (error) {
    const code = (error as TaskError).code;
    if (!isLeaseLost(error) && code !== "task-concurrently-updated" && code !== "store-closed") {
      env.emit("error", error);
    }
  }
}
