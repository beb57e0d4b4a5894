/**
 * `drain({ maxQueries })`: how many statements a drain may still send, so
 * that an invocation stays under a per-invocation query limit (Cloudflare
 * D1: 50 on Workers Free, 1,000 on Paid). It reads the store's own count
 * (`TaskQ.statementsSent`: each statement of a batch counts, a retried call
 * counts again) and keeps room for what each running task may still send,
 * so a task it reserved always gets its outcome written, or is handed back.
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import type { TaskQ } from "../types.ts";

/**
 * What one running task may still send at most: its outcome's write, a
 * topic hold that may go with it, and the read that explains a refused
 * write; plus a keepalive per `keepaliveMs` of its timeout.
 */
const OUTCOME_STATEMENTS = 3;

/** The statements a drain may still send. */
export class QueryBudget {
  readonly #taskq: TaskQ & { statementsSent: number };
  readonly #max: number;
  readonly #start: number;
  readonly #keepaliveMs: number;
  /** Room kept for the running tasks' outcomes and keepalives. */
  #held = 0;
  /** The most one reservation has cost (it reads the count around the call; starts at 1). */
  #reserveCost = 1;

  constructor(taskq: TaskQ, max: number, keepaliveMs: number) {
    if (typeof taskq.statementsSent !== "number") {
      throw new TaskError(
        "bad-request",
        "invalid-options",
        "drain: maxQueries needs a store that counts its statements (TaskQ.statementsSent); this one does not",
        { issues: [{ path: "maxQueries", message: "this store does not count its statements" }] },
      );
    }
    this.#taskq = taskq as TaskQ & { statementsSent: number };
    this.#max = max;
    this.#start = taskq.statementsSent;
    this.#keepaliveMs = keepaliveMs;
  }

  /** Statements sent since the drain began. */
  get used(): number {
    return this.#taskq.statementsSent - this.#start;
  }

  /** What a task with this timeout may still send, at most. */
  costOf(timeoutMs: number): number {
    return OUTCOME_STATEMENTS + Math.ceil(timeoutMs / this.#keepaliveMs);
  }

  /** How many tasks of `timeoutMs` one more reservation may take (0: none, the budget is spent). */
  room(timeoutMs: number): number {
    const left = this.#max - this.used - this.#held - this.#reserveCost;
    return Math.max(0, Math.floor(left / this.costOf(timeoutMs)));
  }

  /** Whether a task that will send at most `cost` more fits what is left (it was reserved already). */
  fits(cost: number): boolean {
    return this.used + this.#held + cost <= this.#max;
  }

  /** A reservation sent `cost` statements. */
  reserved(cost: number): void {
    this.#reserveCost = Math.max(this.#reserveCost, cost);
  }

  hold(cost: number): void {
    this.#held += cost;
  }

  release(cost: number): void {
    this.#held -= cost;
  }
}
