/**
 * One execution of the processor function for one reserved task: its
 * AbortSignal, its keepalive, its timeout, and the outcome it writes
 * (`outcome-write.ts`). Shared by `worker()` and `drain()`.
 *
 * @module
 */

import type { TaskError } from "../errors.ts";
import type { Outcome, Task } from "../types.ts";
import { ABORT, abortReason } from "./abort-reasons.ts";
import { describeError, UNDESCRIBABLE } from "./describe.ts";
import { effectiveTimeout, type ExecEnv, type ExecResult } from "./execution-env.ts";
import { toOutcome } from "./outcome.ts";
import { failOp, writeOutcome } from "./outcome-write.ts";
import { retryTransient } from "./transient.ts";

/** What ended a run first: the function (its value or what it threw), or a stop. */
type First = { value: unknown } | { error: unknown } | "aborted";

/** A running execution; `done` never rejects. */
export interface Execution {
  readonly task: Task;
  readonly done: Promise<ExecResult>;
  /** Aborts the execution (stop): its lease is handed back unless it already finished. */
  abort(reason: unknown): void;
  /**
   * The task was cancelled: aborts the function's signal (`CancelledError`)
   * and emits `cancelled`; no outcome is written. Nothing when the function
   * is already done (its outcome's refusal tells) or the run was stopped.
   */
  cancel(message: string): void;
}

/** Starts running `task` (just reserved by `env.pid`). */
export function execute(env: ExecEnv, task: Task): Execution {
  return new Run(env, task);
}

/** The run's timer callback (one function, the run passed as the timer's argument: no closure per task). */
function onTimer(run: Run): void {
  run.due();
}

/** The function's second argument: `pid`, and `signal` made on first read (own properties, so a spread keeps both). */
function contextOf(run: Run, pid: string): { pid: string; readonly signal: AbortSignal } {
  return {
    pid,
    get signal() {
      return run.signal();
    },
  };
}

/** One execution. A class, not closures: a task's run is the worker's hot path, so it makes nothing per task it can avoid. */
class Run implements Execution {
  readonly task: Task;
  readonly done: Promise<ExecResult>;
  readonly timeoutMs: number;
  readonly #env: ExecEnv;
  /** ONE timer per run, for its next keepalive or its timeout, whichever comes first (`#keepaliveDue` says which). */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #keepaliveDue = false;
  /** When the timeout falls, and the next keepalive (NaN while one is under way), by `performance.now()`. */
  readonly #timeoutAt: number;
  #keepaliveAt: number;
  /** A keepalive under way; an outcome waits for it so its recordVer is current. */
  #inflight: Promise<void> | undefined;
  #recordVer: number;
  #finished = false;
  // One reason to stop (timeout, lease lost, stop) ends the run; its name tells which. The function's signal
  // carries it, made only when the function reads it. Not AbortSignal.timeout: its timer cannot be cleared,
  // so it would keep each finished execution in memory for the whole timeout.
  #control: AbortController | undefined;
  #stopped: { reason: unknown } | undefined;
  /** Ends the race between the function and a stop (set while the function's promise is pending). */
  #settle: ((first: First) => void) | undefined;

  constructor(env: ExecEnv, task: Task) {
    this.#env = env;
    this.task = task;
    this.#recordVer = task.recordVer;
    this.timeoutMs = effectiveTimeout(task, env);
    const now = performance.now();
    this.#timeoutAt = now + this.timeoutMs;
    this.#keepaliveAt = now + env.keepaliveMs;
    this.#arm(now);
    this.done = this.#run().catch((error) => {
      env.emit("error", error);
      return "error" as const;
    });
  }

  /** Aborts the execution (stop, timeout, lease lost): its lease is handed back unless it already finished. */
  abort(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = { reason };
    this.#control?.abort(reason);
    this.#settle?.("aborted");
  }

  cancel(message: string): void {
    if (this.#finished || this.#stopped) return;
    this.abort(abortReason(ABORT.cancelled, `cancelled: ${message}`));
    this.#env.emit("cancelled", this.task);
  }

  /** The function's signal, made on first read (aborted at once when the run already stopped). */
  signal(): AbortSignal {
    if (!this.#control) {
      this.#control = new AbortController();
      if (this.#stopped) this.#control.abort(this.#stopped.reason);
    }
    return this.#control.signal;
  }

  /** Sets the timer for the next keepalive or the timeout, whichever comes first (a tie: the timeout). */
  #arm(now: number): void {
    this.#keepaliveDue = this.#keepaliveAt < this.#timeoutAt;
    const at = this.#keepaliveDue ? this.#keepaliveAt : this.#timeoutAt;
    this.#timer = setTimeout(onTimer, Math.max(0, at - now), this);
  }

  /** The timer fired: a keepalive is due (then the timer waits for the timeout), or the timeout. */
  due(): void {
    this.#timer = undefined;
    if (this.#finished) return;
    if (!this.#keepaliveDue) {
      this.abort(abortReason(ABORT.timeout, `timed out after ${this.timeoutMs} ms`));
      return;
    }
    this.#keepaliveAt = NaN; // none until this one is answered (NaN < x is false: the timer waits for the timeout)
    this.#inflight = this.#extend();
    this.#arm(performance.now());
  }

  async #extend(): Promise<void> {
    const env = this.#env;
    const op = {
      op: "extendLease",
      taskId: this.task.taskId,
      pid: env.pid,
      leaseId: this.task.leaseId!,
      leaseTimeMs: env.leaseTimeMs,
    } as const;
    try {
      // renewing twice is harmless: a keepalive that timed out is sent again
      const t = await retryTransient(() => env.writer.write(op), true);
      this.#recordVer = t.recordVer;
      if (!this.#finished) {
        const now = performance.now();
        this.#keepaliveAt = now + env.keepaliveMs;
        clearTimeout(this.#timer);
        this.#arm(now);
      }
    } catch (error) {
      if (this.#finished || this.#stopped) return;
      if ((error as TaskError).code === "task-cancelled") {
        this.cancel((error as Error).message);
        return;
      }
      // Lost for good, or the store stayed unreachable: either way the lease
      // can no longer be vouched for, so give the task up.
      this.abort(abortReason(ABORT.leaseLost, `lease lost: ${(error as Error).message}`));
      env.emit("lease-lost", { task: this.task, error });
    }
  }

  /**
   * The function's outcome, or "aborted" when a stop came first. Its promise
   * races the stop, never awaited alone: JavaScript cannot stop code that
   * ignores its signal, but its late result is discarded.
   */
  async #call(): Promise<First> {
    await undefined; // the function starts after the reservation's own turn, as every task of a tick does
    if (this.#stopped) return "aborted";
    let value: unknown;
    try {
      value = this.#env.pfn(this.task, contextOf(this, this.#env.pid));
    } catch (error) {
      return this.#stopped ? "aborted" : { error };
    }
    // a stop while the function ran (it called stop() itself) comes first, as it happened first
    if (this.#stopped) return "aborted";
    let then: unknown;
    try {
      then = (value as PromiseLike<unknown> | undefined)?.then;
    } catch (error) {
      return { error }; // a getter or a revoked Proxy: as Promise.resolve() would read it
    }
    if (typeof then !== "function") return { value };
    return new Promise<First>((resolve) => {
      this.#settle = resolve;
      try {
        then.call(value, (v: unknown) => resolve({ value: v }), (error: unknown) => resolve({ error }));
      } catch (error) {
        resolve({ error }); // a thenable whose then() throws, as Promise.resolve() would read it
      }
    });
  }

  async #run(): Promise<ExecResult> {
    const env = this.#env;
    const ended = await this.#call();
    this.#finished = true;
    clearTimeout(this.#timer);
    env.onSettled?.(this.task);
    if (this.#inflight) await this.#inflight;
    const { taskId, leaseId } = this.task;
    const pid = env.pid;

    if (ended === "aborted") {
      const reason = this.#stopped?.reason as { name?: string } | undefined;
      if (reason?.name === ABORT.timeout) {
        env.emit("timeout", { task: this.task, timeoutMs: this.timeoutMs });
        return writeOutcome(env, this.task, "timeout", failOp(env, this.task, `timed out after ${this.timeoutMs} ms`));
      }
      if (reason?.name === ABORT.leaseLost) return "lost";
      if (reason?.name === ABORT.cancelled) return "cancelled";
      // Stopped: hand the lease back so another worker takes the task at once.
      return writeOutcome(env, this.task, "released", { op: "revokeLease", taskId, recordVer: this.#recordVer });
    }

    let outcome: Outcome;
    try {
      outcome = "error" in ended
        ? { event: "failed", errorMessage: describeError(ended.error) }
        : toOutcome(ended.value);
    } catch {
      // neither throws by design; should a hostile value still find a way (a stack overflow), the attempt fails
      outcome = { event: "failed", errorMessage: UNDESCRIBABLE };
    }
    switch (outcome.event) {
      case "completed":
        return writeOutcome(env, this.task, "completed", {
          op: "terminate",
          taskId,
          pid,
          leaseId: leaseId!,
          result: outcome.result,
        });
      case "failed":
        return writeOutcome(env, this.task, "failed", failOp(env, this.task, outcome.errorMessage ?? ""));
      case "committed":
        // completed in the function's own batch (completeBatch): nothing to write, the slot frees now
        env.emit("completed", this.task);
        return "completed";
      case "snoozed":
        return writeOutcome(env, this.task, "snoozed", {
          op: "snooze",
          taskId,
          pid,
          leaseId: leaseId!,
          snoozeTime: outcome.snoozeTime,
        });
      case "rateLimited":
        // a snooze that also holds the topic (or the task's key) back: no failure counted
        return writeOutcome(env, this.task, "snoozed", {
          op: "snooze",
          taskId,
          pid,
          leaseId: leaseId!,
          snoozeTime: outcome.delayMs,
          holdTopic: true,
        });
    }
  }
}
