/**
 * Why a guarded transition touched no row. Read once, only after the write
 * was refused, so the common path stays one statement.
 *
 * @module
 */

import type { Row } from "./driver.ts";
import { TaskError } from "../errors.ts";

/** The transitions a refusal is explained for. */
export type Transition =
  | "extendLease"
  | "terminate"
  | "fail"
  | "snooze"
  | "revokeLease"
  | OperatorAction;

/** An operator's action on one task (operator-sql.ts), and the statuses it starts from. */
export type OperatorAction = "cancelTask" | "holdTask" | "releaseTask" | "retryTask";
const FROM: Record<OperatorAction, { from: string[]; to: string }> = {
  cancelTask: { from: ["starting", "running", "snoozed", "held"], to: "cancelled" },
  holdTask: { from: ["starting", "snoozed"], to: "held" },
  releaseTask: { from: ["held"], to: "starting" },
  retryTask: { from: ["failed", "cancelled"], to: "starting (re-run)" },
};

/** What the caller asserted about the task. */
export interface Claim {
  taskId: string;
  pid?: string;
  leaseId?: string | null;
  recordVer?: number;
}

const FINAL = new Set(["failed", "terminated", "cancelled"]);

/** The `TaskError` that explains why `op` on a task in `state` (null: no such task) was refused. */
export function refusal(op: Transition, claim: Claim, state: Row | undefined): TaskError {
  const what = `${op} ${claim.taskId}`;
  if (!state) return new TaskError("not-found", "task-not-found", `${what}: no such task`);
  const status = state.status as string;
  if (op in FROM) {
    const { from, to } = FROM[op as OperatorAction];
    return from.includes(status)
      ? new TaskError("conflict", "task-concurrently-updated", `${what}: the task changed concurrently; read it again`)
      : new TaskError("conflict", "invalid-status-transition", `${what}: a ${status} task cannot become ${to}`);
  }
  // a cancelled task's worker learns it from its next keepalive or its outcome
  if (status === "cancelled" && op !== "revokeLease") {
    return new TaskError("conflict", "task-cancelled", `${what}: the task was cancelled`);
  }
  const target = op === "terminate"
    ? "terminated"
    : op === "fail"
    ? "failed"
    : op === "snooze"
    ? "snoozed"
    : "starting";

  if (op === "revokeLease") {
    if (status !== "running" && status !== "snoozed") {
      return new TaskError(
        "conflict",
        "invalid-status-transition",
        `${what}: a ${status} task cannot go back to starting`,
      );
    }
    return new TaskError(
      "conflict",
      "task-concurrently-updated",
      `${what}: recordVer is ${state.record_ver}, not ${claim.recordVer}; the task changed since it was read`,
    );
  }

  if (op === "extendLease" && status !== "running") {
    return new TaskError("conflict", "invalid-status", `${what}: the task is ${status}, not running`);
  }
  if (op !== "extendLease" && (FINAL.has(status) || status === "held" || (op === "snooze" && status !== "running"))) {
    return new TaskError("conflict", "invalid-status-transition", `${what}: a ${status} task cannot become ${target}`);
  }
  if (status === "running") {
    if (state.pid !== claim.pid) {
      return new TaskError(
        "forbidden",
        "wrong-owner",
        `${what}: the task is running under another pid, not ${claim.pid}`,
      );
    }
    if (claim.leaseId != null && state.lease_id !== claim.leaseId) {
      return new TaskError(
        "forbidden",
        "wrong-owner",
        `${what}: lease ${claim.leaseId} is not the task's current lease (it was reserved again since, or the id is wrong)`,
      );
    }
    if (op === "extendLease" && !Number(state.live)) {
      return new TaskError("forbidden", "lease-expired", `${what}: the lease has already run out`);
    }
  } else if (claim.leaseId != null) {
    // starting/snoozed: the fenced reservation is gone
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
