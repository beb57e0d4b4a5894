/**
 * Coalesces the worker's store calls: keepalives, outcomes and the next
 * reservation that fall due while another round trip is under way go out
 * together in ONE call (`applyWrites`, or `applyWritesAndReserve` when a
 * reservation is waiting), each write still fenced and answered on its own.
 * A busy worker thus pays one round trip per tick.
 *
 * Over a network (a store that takes more than one worker call in flight,
 * see `WORKER_CALLS_IN_FLIGHT`) up to that many calls go out at once: what
 * falls due while one call is under way leaves in another, instead of
 * waiting out the first one's round trip. Two calls in flight may commit in
 * either order, which is safe because:
 * - a task's writes are never in two calls at once: its outcome waits until
 *   its keepalive is answered (execution.ts), no keepalive starts once its
 *   function is done, and a write is sent again only after its call failed;
 * - the one late write there can be, a keepalive whose call timed out but
 *   still reached the server, is fenced (owner, lease id, `running`): after
 *   the outcome it matches no row and changes nothing;
 * - an outcome is answered by its own call, whatever the other one does;
 * - each reservation is one guarded statement in its own transaction, so
 *   two in flight never get the same task.
 *
 * @module
 */

import type { Task, TaskQ, WriteOp } from "../types.ts";
import { WORKER_WRITES, type WorkerWrite, workerWritesOf } from "../worker-path.ts";
import { NextTurn } from "../turns.ts";

interface Pending {
  write: WorkerWrite;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** A reservation waiting to ride with the next writes. */
interface PendingReserve {
  n: number;
  resolve(tasks: Task[]): void;
  reject(error: unknown): void;
}

/** What a reservation through the writer takes. */
export interface ReserveSpec {
  topic: string;
  pid: string;
  leaseTimeMs: number;
}

/** Sends writes (and reservations) to the store, many per round trip. */
export interface Writer {
  /**
   * Resolves with the task as written, or rejects with why this very write was
   * refused. `base`, for a fenced terminate: the task as reserved (a store with
   * the worker path then returns only its new version and time).
   */
  write(op: WriteOp, base?: Task): Promise<Task>;
  /** Up to `n` tasks, reserved together with the writes queued by then (one round trip). */
  reserve(n: number): Promise<Task[]>;
}

/**
 * A writer for `taskq`: the first call goes out at once (next microtask), later ones queue until the store
 * answers. `lanes`: calls in flight at once (1 unless the store is over a network, see `callsInFlightOf`).
 */
export function createWriter(taskq: TaskQ, spec?: ReserveSpec, lanes = 1): Writer {
  const fast = workerWritesOf(taskq);
  let queue: Pending[] = [];
  /** One lane: the reservation of the next call (several asks merged). */
  let reservation: PendingReserve | null = null;
  /** More lanes: the asks not yet sent, in order (each rides whole in one call). */
  const asks: PendingReserve[] = [];
  let sending = false;

  /** One call: `batch`'s writes and the reservation `r`, each answered on its own. */
  const dispatch = async (batch: Pending[], r: PendingReserve | null) => {
    try {
      if (fast) {
        const out = await fast[WORKER_WRITES](batch.map((p) => p.write), r && spec ? { ...spec, n: r.n } : null);
        out.results.forEach((x, i) => (x.error ? batch[i].reject(x.error) : batch[i].resolve(x.task!)));
        r?.resolve(out.reserved);
      } else if (r && spec) {
        const ops = batch.map((p) => p.write.op);
        const out = batch.length ? await taskq.applyWritesAndReserve(ops, { ...spec, n: r.n }) : {
          results: [],
          reserved: await taskq.reserveTasks(spec.topic, spec.pid, r.n, { leaseTimeMs: spec.leaseTimeMs }),
        };
        out.results.forEach((x, i) => (x.error ? batch[i].reject(x.error) : batch[i].resolve(x.task!)));
        r.resolve(out.reserved);
      } else {
        const results = batch.length === 1
          ? [await single(batch[0].write.op)]
          : await taskq.applyWrites(batch.map((p) => p.write.op));
        results.forEach((x, i) => (x.error ? batch[i].reject(x.error) : batch[i].resolve(x.task!)));
      }
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      r?.reject(error);
    }
  };

  /** One lane: sends what queued while the last call was under way, until nothing is left. */
  const send = async () => {
    while (queue.length || reservation) {
      const batch = queue;
      const r = reservation;
      queue = [];
      reservation = null;
      await dispatch(batch, r);
    }
    sending = false;
  };

  /**
   * More lanes: what is queued goes out in a free lane at the next macrotask (not microtask), so that the
   * tasks an answer started and the outcomes they write by then ride in one call. A call carries every
   * write queued and at most one ask: the worker asks for a lane's share at a time (worker.ts), so the
   * calls in flight stay even (merged asks would make every call carry all the tasks, one call at a
   * time, and leave the other lane idle).
   */
  let free = lanes;
  let pumping = false;
  const turn = lanes > 1 ? new NextTurn() : null;
  const pump = () => {
    pumping = false;
    while (free > 0 && (queue.length || asks.length)) {
      const batch = queue;
      queue = [];
      free--;
      void dispatch(batch, asks.shift() ?? null).then(() => {
        free++;
        if (queue.length || asks.length) kick();
      });
    }
  };

  const kick = () => {
    if (turn) {
      if (!pumping) {
        pumping = true;
        turn.schedule(pump);
      }
    } else if (!sending) {
      sending = true;
      queueMicrotask(send);
    }
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
    write(op, base) {
      return new Promise<Task>((resolve, reject) => {
        queue.push({ write: { op, base }, resolve, reject });
        kick();
      });
    },
    reserve(n) {
      if (!spec) return Promise.reject(new Error("this writer reserves nothing (no ReserveSpec)"));
      return new Promise<Task[]>((resolve, reject) => {
        if (turn) asks.push({ n, resolve, reject });
        else if (reservation) {
          // one reservation per round trip: a second asks for more in the same one
          const first = reservation;
          reservation = {
            n: Math.min(MAX_RESERVE, first.n + n),
            resolve: (ts) => (first.resolve(ts.slice(0, first.n)), resolve(ts.slice(first.n))),
            reject: (e) => (first.reject(e), reject(e)),
          };
        } else reservation = { n, resolve, reject };
        kick();
      });
    },
  };
}

/** The most tasks one reservation asks for. */
const MAX_RESERVE = 1000;

/** The method of `op`, with every field it carries (a lone write must mean what it means in a batch). */
function call(taskq: TaskQ, op: WriteOp): Promise<Task> {
  switch (op.op) {
    case "extendLease":
      return taskq.extendLease(op.taskId, op.pid, { leaseId: op.leaseId, leaseTimeMs: op.leaseTimeMs });
    case "terminate":
      return taskq.terminate(op.taskId, op.pid, { leaseId: op.leaseId, result: op.result });
    case "fail":
      return taskq.fail(op.taskId, op.pid, op.error, { leaseId: op.leaseId, retry: op.retry });
    case "snooze":
      return taskq.snooze(op.taskId, op.pid, op.snoozeTime, { leaseId: op.leaseId });
    case "revokeLease":
      return taskq.revokeLease(op.taskId, op.recordVer);
  }
}
