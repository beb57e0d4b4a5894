/**
 * Why a guarded transition touched no row, as the transition table
 * (`transitions.ts`) says. Read once, only after the write was refused, so
 * the common path stays one statement.
 *
 * @module
 */

import type { Row } from "../drivers/driver.ts";
import { TaskError } from "../errors.ts";
import { fromOf, guardOf, type Operation, ruleOf, saysOf, type Status, statusRule } from "../transitions.ts";

/** The transitions a refusal is explained for: every one of a task but its creation and reservation. */
export type Transition = Exclude<Operation, "createTask" | "reserve" | "dependenciesDone" | "dependencyFailed">;

/** An operator's action on one task (statements/operator.ts). */
export type OperatorAction = "cancelTask" | "holdTask" | "releaseTask" | "retryTask";

/** What the caller asserted about the task. */
export interface Claim {
  taskId: string;
  pid?: string;
  leaseId?: string | null;
  recordVer?: number;
}

/** The `TaskError` that explains why `op` on a task in `state` (null: no such task) was refused. */
export function refusal(op: Transition, claim: Claim, state: Row | undefined): TaskError {
  const what = `${op} ${claim.taskId}`;
  if (!state) return new TaskError("not-found", "task-not-found", `${what}: no such task`);
  const status = state.status as Status;
  const guard = guardOf(op, status);
  // a worker's write to a cancelled task: its worker learns it from its next keepalive or its outcome
  if (statusRule(status).stopsWorker && guard === undefined && fromOf(op, "owner").length) {
    return new TaskError("conflict", "task-cancelled", `${what}: the task was cancelled`);
  }
  if (guard === undefined) {
    if (ruleOf(op).refusedAs === "invalid-status") {
      return new TaskError(
        "conflict",
        "invalid-status",
        `${what}: the task is ${status}, not ${fromOf(op).join(" or ")}`,
      );
    }
    return new TaskError("conflict", "invalid-status-transition", `${what}: a ${status} task cannot ${saysOf(op)}`);
  }
  if (guard === "any") {
    return new TaskError(
      "conflict",
      "task-concurrently-updated",
      `${what}: the task changed concurrently; read it again`,
    );
  }
  if (guard === "recordVer") {
    return new TaskError(
      "conflict",
      "task-concurrently-updated",
      `${what}: recordVer is ${state.record_ver}, not ${claim.recordVer}; the task changed since it was read`,
    );
  }
  if (guard === "owner") {
    if (state.pid !== claim.pid) {
      return new TaskError(
        "forbidden",
        "wrong-owner",
        `${what}: the task is ${status} under another pid, not ${claim.pid}`,
      );
    }
    if (claim.leaseId != null && state.lease_id !== claim.leaseId) {
      return new TaskError(
        "forbidden",
        "wrong-owner",
        `${what}: lease ${claim.leaseId} is not the task's current lease (it was reserved again since, or the id is wrong)`,
      );
    }
    if (ruleOf(op).liveLease && !Number(state.live)) {
      return new TaskError("forbidden", "lease-expired", `${what}: the lease has already run out`);
    }
  } else if (claim.leaseId != null) {
    // an owner-less status: the fenced reservation is gone
    return new TaskError(
      "forbidden",
      "wrong-owner",
      `${what}: the task is ${status}; lease ${claim.leaseId} no longer holds it`,
    );
  }
  // The state allows the write now: it changed between the write and this read.
  return new TaskError(
    "conflict",
    "task-concurrently-updated",
    `${what}: the task changed concurrently; read it and try again`,
  );
}
