/**
 * `worker()`: polls a topic, runs the processor function for each reserved
 * task with up to `concurrency` at once, and stops cleanly.
 *
 * @module
 */

import * as v from "valibot";
import type { Agree, Assert } from "../schemas/agree.ts";
import { fields, parseOrThrow } from "../schemas/parse.ts";
import { PositiveMs } from "../schemas/numbers.ts";
import type { StopOptions, Task, Worker, WorkerOptions } from "../types.ts";
import { ABORT, abortReason } from "./abort-reasons.ts";
import type { ExecEnv } from "./execution-env.ts";
import { execute, type Execution } from "./execution.ts";
import { handBack } from "./outcome-write.ts";
import { followCancels } from "./cancels.ts";
import { CommonOptionEntries, settle } from "./options.ts";
import { onAbort } from "../abort.ts";
import { reserve } from "./reserve.ts";
import { createWriter } from "./writer.ts";
import { sleep } from "../sleep.ts";
import { fireTopic } from "../schedules/firing-loop.ts";
import { pollDelay } from "./poll-delay.ts";

/** Default cap of the idle wait: what a missed wake-up (or a remote store, which has none) can cost. */
const DEFAULT_MAX_POLL_MS = 2_000;

const WorkerOptionsSchema = fields(
  { ...CommonOptionEntries, maxPollIntervalMs: v.optional(PositiveMs) },
  "worker options",
);
const StopOptionsSchema = v.optional(
  fields({ drain: v.optional(v.boolean("must be a boolean")), timeoutMs: v.optional(PositiveMs) }, "stop options"),
);
// Compile-time: each schema accepts exactly its declared type (a field added to or dropped from one side fails tsc).
type _WorkerOptions = Assert<Agree<WorkerOptions, v.InferInput<typeof WorkerOptionsSchema>>>;
type _StopOptions = Assert<Agree<StopOptions | undefined, v.InferInput<typeof StopOptionsSchema>>>;

/**
 * A worker's events: an EventTarget that knows which names anyone listens to,
 * so that a worker builds no event nobody hears (two per task otherwise).
 */
class WorkerEvents extends EventTarget {
  readonly #heard = new Set<string>();

  override addEventListener(...args: Parameters<EventTarget["addEventListener"]>): void {
    this.#heard.add(args[0]);
    super.addEventListener(...args);
  }

  hears(type: string): boolean {
    return this.#heard.has(type);
  }
}

/**
 * Starts a worker that polls `topic` and runs `pfn` for each task.
 *
 * @example
 * ```ts
 * import { createTaskQ, ok, worker } from "sokka";
 * const taskq = createTaskQ({ url: "file:sokka.db" });
 * const w = worker({
 *   taskq,
 *   topic: "email",
 *   concurrency: 4,
 *   pfn: async (task, { signal }) => {
 *     await fetch("https://mail.example/send", { method: "POST", body: JSON.stringify(task.data), signal });
 *     return ok();
 *   },
 * });
 * w.addEventListener("failed", (e) => console.warn(e.detail.taskId, e.detail.error));
 * // later
 * await w.stop();
 * ```
 */
export function worker<D = unknown>(options: WorkerOptions<D>): Worker {
  const o = settle(WorkerOptionsSchema, options, "worker");
  const maxPollIntervalMs = o.maxPollIntervalMs ?? Math.min(DEFAULT_MAX_POLL_MS, o.leaseTimeMs);
  const events = new WorkerEvents();
  const env: ExecEnv = {
    ...o,
    // reservations ride with the tick's writes (one round trip) where the store can do both at once
    writer: createWriter(
      o.taskq,
      typeof o.taskq.applyWritesAndReserve === "function"
        ? { topic: o.topic, pid: o.pid, leaseTimeMs: o.leaseTimeMs }
        : undefined,
    ),
    emit: (name, detail) => {
      if (events.hears(name)) events.dispatchEvent(new CustomEvent(name, { detail }));
    },
    onSettled: (task) => {
      finishing.add(task);
      wake();
    },
  };
  const running = new Set<Execution>();
  /** Executions whose function is done and whose outcome write is queued: their slots are taken again with it. */
  const finishing = new Set<Task>();
  const offCancels = followCancels(o.taskq, running);
  /** Aborted by any stop: ends polling and wakes the idle sleep. */
  const polling = new AbortController();
  /** Resolved when a slot frees or a stop begins. */
  let wake = () => {};

  const start = (task: Task) => {
    env.emit("reserved", task);
    const ex = execute(env, task);
    running.add(ex);
    void ex.done.then(() => {
      running.delete(ex);
      finishing.delete(task);
      wake();
    });
  };

  /** Idle: wait for a wake-up (see TaskQ.waitForTask), at most one backoff step. */
  const idle = (idleRounds: number): Promise<unknown> => {
    const ms = pollDelay(idleRounds, maxPollIntervalMs);
    if (typeof o.taskq.waitForTask !== "function") return sleep(ms, polling.signal);
    // a store that cannot wait (e.g. closing) must not turn the idle loop into a busy one
    return o.taskq.waitForTask(o.topic, { timeoutMs: ms, signal: polling.signal }).catch(() =>
      sleep(ms, polling.signal)
    );
  };

  const loop = async () => {
    let idleRounds = 0;
    /** False after a reservation came back short: reserve again only once a wake-up (or the backoff) says so. */
    let mayHaveWork = true;
    while (!polling.signal.aborted) {
      // a finishing execution's slot is reserved again in the same round trip as its outcome write
      const free = o.concurrency - running.size + finishing.size;
      if (free <= 0) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      if (!mayHaveWork) {
        // woken or not, reserve after the wait: at the end of a backoff step as the fallback (and so that a
        // store that stopped answering shows as an error event, not as silence)
        await idle(idleRounds++);
        mayHaveWork = true;
        continue;
      }
      let tasks: Task[];
      try {
        tasks = typeof o.taskq.applyWritesAndReserve === "function"
          ? await env.writer.reserve(free)
          : await reserve(o, free);
      } catch (error) {
        if ((error as { code?: unknown })?.code === "store-closed") {
          onStoreClosed();
          break;
        }
        env.emit("error", error);
        await sleep(pollDelay(idleRounds++, maxPollIntervalMs), polling.signal);
        continue;
      }
      if (polling.signal.aborted) {
        // reserved while a stop came in: not started, handed straight back
        await Promise.all(tasks.map((t) => handBack(env, t)));
        break;
      }
      tasks.forEach(start);
      if (tasks.length > 0) idleRounds = 0;
      mayHaveWork = tasks.length === free;
    }
  };
  // the due slots of the topic's schedules become tasks (one loop per store and topic in this process)
  const leaveFiring = o.schedules !== false && typeof o.taskq.fireSchedules === "function"
    ? fireTopic(o.taskq, o.topic, (e) => env.emit("error", e))
    : () => Promise.resolve();
  const loopDone = loop().catch((error) => env.emit("error", error));

  let stopping: Promise<void> | null = null;
  let cutDrain = () => {};
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const abortAll = () => running.forEach((ex) => ex.abort(abortReason(ABORT.stopped, "the worker is stopping")));

  let reason: "stop" | "signal" | "store-closed" = "stop";
  const stop = (opts?: StopOptions): Promise<void> => {
    const s = parseOrThrow(StopOptionsSchema, opts, "stop", "invalid-options");
    if (stopping) {
      if (!s?.drain) cutDrain(); // a plain stop during a draining one aborts what still runs
      return stopping;
    }
    polling.abort();
    wake();
    stopping = (async () => {
      await Promise.all([loopDone, leaveFiring()]);
      if (s?.drain) {
        const timer = new AbortController();
        await Promise.race([
          Promise.all([...running].map((ex) => ex.done)),
          new Promise<void>((r) => (cutDrain = r)),
          sleep(s.timeoutMs ?? o.timeoutMs, timer.signal),
        ]);
        timer.abort();
      }
      abortAll();
      await Promise.all([...running].map((ex) => ex.done));
      offCancels();
      offSignal();
      offStore();
      env.emit("stopped", { pid: o.pid, reason });
      resolveDone();
    })();
    return stopping;
  };

  // Its own signal, or its store closing, stops the worker as stop() does.
  const onSignal = () => {
    if (!stopping) reason = "signal";
    void stop();
  };
  const storeSignal = o.taskq.signal as AbortSignal | undefined;
  const onStoreClosed = () => {
    if (!stopping) reason = "store-closed";
    void stop();
  };
  const offSignal = o.signal ? onAbort(o.signal, onSignal) : () => {};
  const offStore = storeSignal ? onAbort(storeSignal, onStoreClosed) : () => {};

  return Object.assign(events, { pid: o.pid, stop, done }) as Worker;
}
