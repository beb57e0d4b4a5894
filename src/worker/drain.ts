/**
 * `drain()`: the bounded, one-shot form of the worker for cron triggers,
 * `waitUntil`, queue consumers and edge invocations, where no loop may
 * outlive the request.
 *
 * @module
 */

import * as v from "valibot";
import type { Agree, Assert } from "../schemas/agree.ts";
import { fields } from "../schemas/parse.ts";
import { PositiveMs } from "../schemas/numbers.ts";
import type { DrainOptions, DrainResult, Task } from "../types.ts";
import { ABORT, abortReason } from "./abort-reasons.ts";
import { effectiveTimeout, type ExecEnv, type ExecResult } from "./execution-env.ts";
import { execute, type Execution } from "./execution.ts";
import { handBack } from "./outcome-write.ts";
import { followCancels } from "./cancels.ts";
import { CommonOptionEntries, settle } from "./options.ts";
import { onAbort } from "../abort.ts";
import { reserve } from "./reserve.ts";
import { createWriter } from "./writer.ts";
import { QueryBudget } from "./query-budget.ts";

export const DrainOptionsSchema = fields({
  ...CommonOptionEntries,
  budgetMs: v.optional(PositiveMs),
  maxTasks: v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, "must be at least 1"),
      v.description("a whole number from 1"),
    ),
  ),
  maxQueries: v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, "must be at least 1"),
      v.description("a whole number from 1"),
    ),
  ),
}, "drain options");
// Compile-time: the schema accepts exactly `DrainOptions` (a field added to or dropped from one side fails tsc).
type _DrainOptions = Assert<Agree<DrainOptions, v.InferInput<typeof DrainOptionsSchema>>>;

/** How many too-long tasks a drain passes over before it ends (what one reservation can leave out). */
const MAX_EXCEPT = 1000;

/**
 * Reserves and runs tasks of `topic` (up to `concurrency` at once) until the
 * topic is empty, `maxTasks` have been taken or the budget would be exceeded,
 * then resolves with what it did. It never starts a task whose timeout does
 * not fit in what is left of `budgetMs`; in a drain the default timeout is
 * `min(5 × leaseTimeMs, budgetMs / 5)`.
 *
 * @example
 * ```ts
 * // Cloudflare Workers: a cron trigger drains the queue for at most 25 s
 * export default {
 *   async scheduled(_event, env, ctx) {
 *     const taskq = createTaskQ({ client: createClient({ url: env.DB_URL, authToken: env.DB_TOKEN }) });
 *     ctx.waitUntil(drain({ taskq, topic: "email", pfn: sendEmail, budgetMs: 25_000 }));
 *   },
 * };
 * ```
 */
export async function drain<D = unknown>(options: DrainOptions<D>): Promise<DrainResult> {
  const budgetMs = (options as { budgetMs?: number })?.budgetMs ?? 25_000;
  const o = settle(DrainOptionsSchema, options, "drain");
  const leaseTimeMs = o.leaseTimeMs;
  const timeoutMs = options.timeoutMs ?? Math.max(1, Math.min(5 * leaseTimeMs, Math.floor(budgetMs / 5)));
  const maxTasks = o.maxTasks ?? Infinity;
  const queries = o.maxQueries === undefined ? null : new QueryBudget(o.taskq, o.maxQueries, o.keepaliveMs);
  const sentAtStart = o.taskq.statementsSent;
  const began = performance.now();
  const result: DrainResult = {
    reserved: 0,
    completed: 0,
    failed: 0,
    snoozed: 0,
    lost: 0,
    cancelled: 0,
    tooLong: 0,
    ms: 0,
  };
  // Tasks whose timeout did not fit what was left of the budget: handed back once, never reserved again by
  // this drain (a reservation hands a handed-back task straight back; it would spin on it all budget long).
  const tooLong = new Set<string>();
  const env: ExecEnv = { ...o, timeoutMs, writer: createWriter(o.taskq), emit: () => {} };
  const running = new Set<Execution>();
  let slotFreed = () => {};

  const count = (r: ExecResult) => {
    if (r === "completed") result.completed++;
    else if (r === "failed" || r === "timeout") result.failed++;
    else if (r === "snoozed") result.snoozed++;
    else if (r === "lost" || r === "released") result.lost++;
    else if (r === "cancelled") result.cancelled++;
  };
  /**
   * While its tasks run: until a slot frees or a task of the topic may be reservable (see TaskQ.waitForTask).
   * Once a task was passed over as too long, only a freed slot: the passed-over task is reservable at once,
   * so waitForTask would answer at once, again and again (a loop of reservations that find nothing).
   */
  const slotOrTask = async () => {
    const cut = new AbortController();
    const freed = new Promise<void>((r) => (slotFreed = r));
    const left = Math.max(0, Math.ceil(budgetMs - (performance.now() - began)));
    // with a query budget, no look (each may cost a read): the next reservation follows a freed slot
    const woken = typeof o.taskq.waitForTask === "function" && tooLong.size === 0 && !queries
      ? o.taskq.waitForTask(o.topic, { timeoutMs: left, signal: cut.signal }).catch(() => {})
      : freed;
    await Promise.race([freed, woken]);
    cut.abort();
  };
  // Its own signal, or its store closing, ends the drain early.
  const signals = [o.signal, o.taskq.signal as AbortSignal | undefined].filter((s) => s !== undefined);
  const aborted = () => signals.some((s) => s.aborted);
  const abortRunning = () => running.forEach((ex) => ex.abort(abortReason(ABORT.stopped, "drain aborted")));
  const offs = [...signals.map((s) => onAbort(s, abortRunning)), followCancels(o.taskq, running)];

  try {
    // the slots due now become tasks first (an edge cron trigger fires its schedules so)
    if (o.schedules !== false && typeof o.taskq.fireSchedules === "function" && !aborted()) {
      await o.taskq.fireSchedules({ topics: [o.topic] }).catch(() => {});
    }
    let empty = false;
    while (!aborted()) {
      const left = budgetMs - (performance.now() - began);
      let want = Math.min(o.concurrency - running.size, maxTasks - result.reserved);
      if (empty || timeoutMs > left || result.reserved >= maxTasks || tooLong.size >= MAX_EXCEPT) break;
      if (queries && want > 0) {
        want = Math.min(want, queries.room(timeoutMs));
        if (want <= 0 && running.size === 0) break; // the query budget is spent: the next invocation goes on
      }
      if (want <= 0) {
        await new Promise<void>((r) => (slotFreed = r));
        continue;
      }
      let tasks: Task[];
      const before = o.taskq.statementsSent ?? 0;
      try {
        tasks = await reserve(o, want, tooLong);
      } catch {
        break; // the store is unreachable: end this invocation, the next one tries again
      }
      queries?.reserved((o.taskq.statementsSent ?? 0) - before);
      for (const task of tasks) {
        if (aborted()) {
          await handBack(env, task);
          continue;
        }
        if (effectiveTimeout(task, env) > budgetMs - (performance.now() - began)) {
          tooLong.add(task.taskId);
          await handBack(env, task);
          continue;
        }
        // a task's own, longer timeout may need more keepalives than the budget has room for: handed back
        const cost = queries?.costOf(effectiveTimeout(task, env)) ?? 0;
        if (queries && !queries.fits(cost)) {
          await handBack(env, task);
          continue;
        }
        queries?.hold(cost);
        result.reserved++;
        const ex = execute(env, task);
        running.add(ex);
        void ex.done.then((r) => {
          count(r);
          queries?.release(cost);
          running.delete(ex);
          slotFreed();
        });
      }
      if (tasks.length < want) {
        if (running.size === 0) empty = true;
        else await slotOrTask();
      }
    }
    await Promise.all([...running].map((ex) => ex.done));
  } finally {
    offs.forEach((off) => off());
  }
  result.tooLong = tooLong.size;
  if (sentAtStart !== undefined) result.queries = (o.taskq.statementsSent ?? sentAtStart) - sentAtStart;
  result.ms = Math.round(performance.now() - began);
  return result;
}
