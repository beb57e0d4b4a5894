/**
 * `scheduler()`: a process (or part of one) that only fires schedules, for
 * apps whose workers run elsewhere, or a topic no worker of this process
 * serves.
 *
 * @module
 */

import * as v from "valibot";
import { onAbort } from "../abort.ts";
import { fields, parseOrThrow } from "../schemas/parse.ts";
import { Name } from "../schemas/names.ts";
import type { FireResult, ListenerOptions, TaskQ } from "../types.ts";
import { fireLoop } from "./firing-loop.ts";

/** Options of `scheduler()`. */
export interface SchedulerOptions {
  /** The store whose schedules to fire. */
  taskq: TaskQ;
  /** Only the schedules of these topics. Default: every schedule. */
  topics?: string[];
  /** Aborting it stops the scheduler like `stop()`. */
  signal?: AbortSignal;
}

/** Events of a scheduler: `fired` (tasks were made) and `error` (a firing failed; it retries). */
export interface SchedulerEventMap {
  /** A firing made tasks: `detail` is what `fireSchedules` resolved. */
  fired: CustomEvent<FireResult>;
  /** A firing failed (the store unreachable…): `detail` is the error; it tries again shortly. */
  error: CustomEvent<unknown>;
}

/** A running scheduler. */
export interface Scheduler extends EventTarget {
  /** Stops firing; resolves once the firing under way (if any) has ended. */
  stop(): Promise<void>;
  /** Resolves when the scheduler has stopped (by `stop()`, its signal, or its store closing). */
  readonly done: Promise<void>;
  /** Listens to one of the scheduler's events; `event.detail` is typed by {@link SchedulerEventMap}. */
  addEventListener<K extends keyof SchedulerEventMap>(
    type: K,
    listener: (event: SchedulerEventMap[K]) => void,
    options?: boolean | ListenerOptions,
  ): void;
  /** Any other event name, as on every `EventTarget`. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | ListenerOptions,
  ): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener<K extends keyof SchedulerEventMap>(
    type: K,
    listener: (event: SchedulerEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Any other event name, as on every `EventTarget`. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

export const SchedulerOptionsSchema = fields({
  taskq: v.pipe(
    v.custom<TaskQ>((q) => typeof (q as TaskQ)?.fireSchedules === "function", "must be a TaskQ (from createTaskQ())"),
    v.description("the store, a TaskQ from createTaskQ()"),
  ),
  topics: v.optional(v.array(Name, "must be an array of topic names")),
  signal: v.optional(v.custom<AbortSignal>((s) => s instanceof AbortSignal, "must be an AbortSignal")),
}, "scheduler options");

/**
 * Fires the due slots of the store's schedules (or those of `topics`) until
 * stopped: what every worker already does for its own topic, for a process
 * that runs no worker of those topics. Any number may run at once, in any
 * number of processes: each slot still makes one task.
 *
 * @example
 * ```ts
 * import { createTaskQ, schedule, scheduler } from "sokka";
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * await schedule(taskq, { name: "heartbeat", cron: "30 * * * * *", topic: "ping" }); // at :30 of every minute
 * const s = scheduler({ taskq });
 * s.addEventListener("error", (e) => console.warn(e.detail));
 * // later
 * await s.stop();
 * ```
 */
export function scheduler(options: SchedulerOptions): Scheduler {
  const o = parseOrThrow(SchedulerOptionsSchema, options, "scheduler", "invalid-options");
  const events = new EventTarget();
  const stopping = new AbortController();
  const offs = [o.signal, o.taskq.signal as AbortSignal | undefined]
    .filter((s) => s !== undefined)
    .map((s) => onAbort(s, () => stopping.abort()));
  const done = fireLoop(o.taskq, o.topics, stopping.signal, {
    error: (e) => events.dispatchEvent(new CustomEvent("error", { detail: e })),
    fired: (r) => events.dispatchEvent(new CustomEvent("fired", { detail: r })),
  }).finally(() => offs.forEach((off) => off()));
  const stop = () => {
    stopping.abort();
    return done;
  };
  return Object.assign(events, { stop, done }) as Scheduler;
}
