/**
 * Coalesces the worker's writes: keepalives and outcomes that fall due while
 * another round trip is under way are sent together in ONE `applyWrites`
 * (one round trip), each still fenced and each answered on its own.
 *
 * @module
 */

import type { Task, TaskQ, WriteOp } from "../types.ts";

interface Pending {
  op: WriteOp;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** Sends writes to the store, many per round trip. */
export interface Writer {
  /** Resolves with the task as written, or rejects with why this very write was refused. */
  write(op: WriteOp): Promise<Task>;
}

/** A writer for `taskq`: the first write goes out at once, later ones queue until the store answers. */
export function createWriter(taskq: TaskQ): Writer {
  let queue: Pending[] = [];
  let sending = false;

  const send = async () => {
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        const results = batch.length === 1
          ? [await single(batch[0].op)]
          : await taskq.applyWrites(batch.map((p) => p.op));
        results.forEach((r, i) => (r.error ? batch[i].reject(r.error) : batch[i].resolve(r.task!)));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    sending = false;
  };

  /** A lone write goes through its own method (one statement, no transaction around it). */
  const single = async (
    op: WriteOp,
  ): Promise<{ task: Task; error?: undefined } | { error: unknown; task?: undefined }> => {
    try {
      return { task: await call(taskq, op) };
    } catch (error) {
      if ((error as { type?: string }).type === "unavailable") throw error;
      return { error };
    }
  };

  return {
    write(op) {
      return new Promise<Task>((resolve, reject) => {
        queue.push({ op, resolve, reject });
        if (!sending) {
          sending = true;
          queueMicrotask(send);
        }
      });
    },
  };
}

function call(taskq: TaskQ, op: WriteOp): Promise<Task> {
  switch (op.op) {
    case "extendLease":
      return taskq.extendLease(op.taskId, op.pid, { leaseId: op.leaseId, leaseTimeMs: op.leaseTimeMs });
    case "terminate":
      return taskq.terminate(op.taskId, op.pid, { leaseId: op.leaseId });
    case "fail":
      return taskq.fail(op.taskId, op.pid, op.error, { leaseId: op.leaseId });
    case "snooze":
      return taskq.snooze(op.taskId, op.pid, op.snoozeTime, { leaseId: op.leaseId });
    case "revokeLease":
      return taskq.revokeLease(op.taskId, op.recordVer);
  }
}
