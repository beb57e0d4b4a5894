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
import { callsInFlightOf } from "../worker-path.ts";
import { Prefetch } from "./prefetch.ts";

/** The most tasks one reservation of the worker asks for (as `reserveTasks` takes). */
const MAX_ASK = 1000;

/** Default cap of the idle wait: what a missed wake-up (or a remote store, which has none) can cost. */
const DEFAULT_MAX_POLL_MS = 2_000;

export const WorkerOptionsSchema = fields(
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
  const reservesWithWrites = typeof o.taskq.applyWritesAndReserve === "function";
  // over a network, more than one call in flight (and tasks reserved ahead): see prefetch.ts and writer.ts
  const lanes = reservesWithWrites ? callsInFlightOf(o.taskq) : 1;
  // at most twice the concurrency ahead (measured at 10 ms RTT, c=32: ~2.3k tasks/s with once, ~2.8-3.1k with
  // twice); a task waits at most half the lease's margin over its keepalive before it is handed back
  const prefetch = lanes > 1 ? new Prefetch(2 * o.concurrency, (o.leaseTimeMs - o.keepaliveMs) / 2) : null;
  const env: ExecEnv = {
    ...o,
    // reservations ride with the tick's writes (one round trip) where the store can do both at once
    writer: createWriter(
      o.taskq,
      reservesWithWrites ? { topic: o.topic, pid: o.pid, leaseTimeMs: o.leaseTimeMs } : undefined,
      lanes,
    ),
    emit: (name, detail) => {
      if (events.hears(name)) events.dispatchEvent(new CustomEvent(name, { detail }));
    },
    onSettled: (task) => {
      finishing.add(task);
      prefetch?.settled();
      wake();
    },
  };
  const running = new Set<Execution>();
  /** Executions whose function is done and whose outcome write is queued: their slots are taken again with it. */
  const finishing = new Set<Task>();
  const offCancels = followCancels(
    o.taskq,
    running,
    prefetch
      ? {
        ids: () => prefetch.waiting.keys(),
        cancel: (taskId) => {
          const w = prefetch.waiting.get(taskId);
          prefetch.waiting.delete(taskId);
          if (w) env.emit("cancelled", w.task);
        },
      }
      : undefined,
  );
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

  /**
   * A reservation that failed: a closed store stops the worker (true: leave the loop); any other error is an
   * `error` event and one backoff step (`round`).
   */
  const reserveFailed = async (error: unknown, round: number): Promise<boolean> => {
    if ((error as { code?: unknown })?.code === "store-closed") {
      onStoreClosed();
      return true;
    }
    env.emit("error", error);
    await sleep(pollDelay(round, maxPollIntervalMs), polling.signal);
    return false;
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
        if (await reserveFailed(error, idleRounds++)) break;
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
  /** Starts tasks reserved ahead while slots are free (a slot is free once its function is done). */
  const fill = (p: Prefetch) => {
    while (running.size - finishing.size < o.concurrency) {
      const task = p.take();
      if (!task) return;
      start(task);
    }
  };

  /** Hands back the tasks that waited too long for a slot, and sets the timer for the next one. */
  let expiry: ReturnType<typeof setTimeout> | undefined;
  const expire = (p: Prefetch) => {
    expiry = undefined;
    const late = p.expired(performance.now());
    if (late.length) {
      late.forEach((t) => void handBack(env, t));
      wake();
    }
    const at = p.nextExpiry();
    if (at !== undefined) expiry = setTimeout(expire, Math.max(0, at - performance.now()), p);
  };

  /**
   * The loop over a network: reservations do not wait for each other. Each asks for the slots neither
   * running, waiting here nor asked for already, plus what the functions finish in a round trip
   * (`Prefetch.ahead`); it rides with the writes due by then, in a second call while the first is under
   * way (writer.ts). The tasks wait in `prefetch` and start as slots free.
   */
  const pipelinedLoop = async (p: Prefetch) => {
    let idleRounds = 0;
    let mayHaveWork = true;
    /** Tasks asked for in reservations not yet answered. */
    let asked = 0;
    let failed: { error: unknown } | null = null;
    const answers = new Set<Promise<void>>();
    while (!polling.signal.aborted) {
      fill(p);
      if (failed) {
        const { error } = failed;
        failed = null;
        if (await reserveFailed(error, idleRounds++)) break;
        continue;
      }
      const want = o.concurrency + p.ahead - (running.size - finishing.size) - p.waiting.size - asked;
      // a lane's share at a time (see writer.ts), or what is wanted when nothing is asked for yet
      const share = Math.min(MAX_ASK, Math.ceil((o.concurrency + p.ahead) / lanes));
      if (want <= 0 || (want < share && asked > 0) || (!mayHaveWork && answers.size)) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      if (!mayHaveWork) {
        await idle(idleRounds++);
        mayHaveWork = true;
        continue;
      }
      const n = Math.min(want, share);
      asked += n;
      const sentAt = performance.now();
      const answer = env.writer.reserve(n).then(
        (tasks) => {
          p.answered(sentAt);
          if (polling.signal.aborted) {
            // reserved while a stop came in: not started, handed straight back
            return Promise.all(tasks.map((t) => handBack(env, t))).then(() => {});
          }
          const at = performance.now();
          for (const task of tasks) p.waiting.set(task.taskId, { task, at });
          if (tasks.length > 0) idleRounds = 0;
          mayHaveWork = tasks.length === n;
          if (expiry === undefined && p.waiting.size) expire(p);
        },
        (error) => {
          failed = { error };
        },
      ).finally(() => {
        asked -= n;
        answers.delete(answer);
        wake();
      });
      answers.add(answer);
    }
    await Promise.all(answers);
    clearTimeout(expiry);
    const unstarted = [...p.waiting.values()];
    p.waiting.clear();
    await Promise.all(unstarted.map((w) => handBack(env, w.task)));
  };

  // the due slots of the topic's schedules become tasks (one loop per store and topic in this process)
  const leaveFiring = o.schedules !== false && typeof o.taskq.fireSchedules === "function"
    ? fireTopic(o.taskq, o.topic, (e) => env.emit("error", e))
    : () => Promise.resolve();
  const loopDone = (prefetch ? pipelinedLoop(prefetch) : loop()).catch((error) => env.emit("error", error));

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
