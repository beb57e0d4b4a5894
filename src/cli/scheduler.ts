/**
 * `sokka scheduler`: a process that only fires schedules (`scheduler()`),
 * for apps whose workers do not (another runtime, an HTTP pull consumer, or
 * `schedules: false`). Any number may run beside workers: each slot still
 * makes one task. SIGINT or SIGTERM stops it once the firing under way has
 * ended, then the store closes.
 *
 * @module
 */

import process from "node:process";
import { type Scheduler, scheduler } from "../schedules/scheduler.ts";
import type { FireResult, TaskQ } from "../types.ts";

/** What `sokka scheduler` was asked to run. */
export interface SchedulerRunOptions {
  /** Only the schedules of these topics (default all). */
  topics?: string[];
  /** Events as JSON lines on stdout instead of words on stderr. */
  json: boolean;
}

/** Fires the due slots until SIGINT or SIGTERM. */
export async function runScheduler(taskq: TaskQ, o: SchedulerRunOptions): Promise<void> {
  let s: Scheduler;
  try {
    s = scheduler({ taskq, topics: o.topics });
  } catch (e) {
    await taskq.close();
    throw e;
  }
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  s.addEventListener("fired", (e) => {
    const r: FireResult = e.detail;
    if (o.json) process.stdout.write(`${JSON.stringify({ event: "fired", ...r })}\n`);
    else process.stderr.write(`sokka: fired ${r.fired} task(s); next slot ${at(r.nextSlotAt) ?? "none"}\n`);
  });
  s.addEventListener("error", (e) => {
    const why = e.detail instanceof Error ? e.detail.message : String(e.detail);
    if (o.json) process.stdout.write(`${JSON.stringify({ event: "error", error: why })}\n`);
    else process.stderr.write(`sokka: error: ${why} (retrying)\n`);
  });
  const which = o.topics?.length ? `the schedules of ${o.topics.join(", ")}` : "every schedule";
  process.stderr.write(`sokka: firing ${which}; Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    const stop = () => void s.stop().then(done, done);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    // the store closed under it (it cannot be reached for good): stopped too
    void s.done.then(done, done);
  });
  await taskq.close();
}
