/**
 * The fenced, retried writes that end an execution: its outcome, or its task
 * handed back unrun; what each refusal means (a lost lease, a cancel, a
 * closed store) is read here.
 *
 * @module
 */

import type { TaskError } from "../errors.ts";
import type { Task, WriteOp } from "../types.ts";
import type { ExecEnv, ExecResult } from "./execution-env.ts";
import { isLeaseLost, retryTransient } from "./transient.ts";

/** A fenced failed attempt, with the worker's retry defaults. */
export function failOp(env: Pick<ExecEnv, "pid" | "retry">, task: Task, error: string): WriteOp {
  const { taskId, leaseId } = task;
  const op = { op: "fail" as const, taskId, pid: env.pid, leaseId: leaseId!, error };
  return env.retry ? { ...op, retry: env.retry } : op;
}

/** Writes an outcome (fenced, retried); a fence refusal is a `lease-lost` event, not a crash. */
export async function writeOutcome(env: ExecEnv, task: Task, result: ExecResult, op: WriteOp): Promise<ExecResult> {
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
    // ok(result) with a result the store refuses (not JSON, too large, unreadable): the attempt fails, saying why
    const code = (error as TaskError).code;
    if (op.op === "terminate" && (code === "invalid-outcome" || code === "data-too-large")) {
      const message = `ok(result) was refused: ${(error as TaskError).message}`;
      return writeOutcome(env, task, "failed", failOp(env, task, message));
    }
    env.emit("error", error);
    return "error";
  }
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
