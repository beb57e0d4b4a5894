/**
 * The worker's side of a task's life beyond the seed: retries with backoff
 * (honoured on the database clock), the worker's retry defaults, results,
 * priorities and delays — through a real store on each target.
 */
import { afterEach, describe, expect, it } from "vitest";
import { failed, ok, type Task, type TaskQ, TestClock, type Worker, worker } from "../mod.ts";
import { createWriter } from "../src/worker/writer.ts";
import { TARGETS, uniq, waitFor } from "./helpers.ts";

for (const target of TARGETS) {
  describe(`worker lifecycle (${target.name})`, () => {
    let taskq: TaskQ;
    let cleanup: () => Promise<void>;
    const workers: Worker[] = [];
    afterEach(async () => {
      for (const w of workers.splice(0)) await w.stop();
      await cleanup?.();
    });
    const start = (opts: Parameters<typeof worker>[0]) => {
      const w = worker({ maxPollIntervalMs: 50, ...opts });
      workers.push(w);
      return w;
    };
    const ended = (taskId: string) =>
      waitFor(
        async () => {
          const t = (await taskq.task(taskId))!;
          return t.status === "terminated" || t.status === "failed" ? t : null;
        },
        15_000,
        "the task to end",
      );

    it("a task failing twice succeeds on its third attempt, each retry after its backoff (database clock)", async () => {
      ({ taskq, cleanup } = target.make());
      const topic = uniq("retry");
      const t = await taskq.createTask({ topic, maxAttempts: 3, backoff: { type: "fixed", delayMs: 250 } });
      const runs: Task[] = [];
      const failures: Task[] = [];
      const w = start({
        taskq,
        topic,
        pfn: (task) => {
          runs.push(task);
          if (runs.length === 1) throw new Error("first: thrown");
          if (runs.length === 2) return failed("second: failed()");
          return ok({ sent: true });
        },
      });
      w.addEventListener("failed", (e) => failures.push(e.detail));
      const done = await ended(t.taskId);
      expect(done).toMatchObject({ status: "terminated", attempts: 3, failures: 2, result: { sent: true } });
      expect(done.error).toBe("second: failed()"); // the last error is kept
      expect(runs.map((r) => r.attempts)).toEqual([1, 2, 3]);
      expect(failures.map((f) => f.status)).toEqual(["starting", "starting"]);
      for (let i = 0; i < 2; i++) {
        // reserved (updatedAt of the reservation, database clock) no sooner than the backoff's end
        expect(failures[i].runAt).toBe(failures[i].updatedAt + 250);
        expect(runs[i + 1].updatedAt).toBeGreaterThanOrEqual(failures[i].runAt!);
      }
    });

    it("the worker's maxAttempts and backoff apply to tasks without their own; a timeout is a failed attempt", async () => {
      ({ taskq, cleanup } = target.make());
      const topic = uniq("defaults");
      const t = await taskq.createTask({ topic, timeoutMs: 100 });
      let n = 0;
      start({
        taskq,
        topic,
        maxAttempts: 2,
        backoff: { type: "fixed", delayMs: 0 },
        pfn: (_task, { signal }) =>
          ++n === 1 ? new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))) : ok(),
      });
      const done = await ended(t.taskId);
      expect(done).toMatchObject({ status: "terminated", attempts: 2, failures: 1, maxAttempts: null });
      expect(done.error).toMatch(/timed out after 100 ms/);
    });

    it("attempts used up: the task ends failed", async () => {
      ({ taskq, cleanup } = target.make());
      const topic = uniq("exhaust");
      const t = await taskq.createTask({ topic, maxAttempts: 2, backoff: { type: "fixed", delayMs: 0 } });
      start({ taskq, topic, pfn: () => failed("nope") });
      expect(await ended(t.taskId)).toMatchObject({ status: "failed", attempts: 2, failures: 2, error: "nope" });
    });

    it("a result the store refuses fails the attempt, saying why", async () => {
      ({ taskq, cleanup } = target.make({ maxDataBytes: 64 }));
      const topic = uniq("result");
      const t = await taskq.createTask({ topic });
      start({ taskq, topic, pfn: () => ok("x".repeat(100)) });
      const done = await ended(t.taskId);
      expect(done.status).toBe("failed");
      expect(done.error).toMatch(/^ok\(result\) was refused: .*result is \d+ bytes of JSON, more than the limit of 64/);
    });

    it("every outcome keeps its result, and a lone write its retry defaults (written with a reservation or alone)", async () => {
      ({ taskq, cleanup } = target.make());
      const topic = uniq("fields");
      const ts = await taskq.createTasks([1, 2, 3, 4, 5].map((n) => ({ topic, data: { n } })));
      start({ taskq, topic, concurrency: 2, pfn: (task) => ok({ doubled: (task.data as { n: number }).n * 2 }) });
      for (const [i, t] of ts.entries()) expect((await ended(t.taskId)).result).toEqual({ doubled: (i + 1) * 2 });
      // a writer with no reservation to ride along writes alone, through the method
      const lone = await taskq.createTask({ topic: uniq("lone") });
      const r = (await taskq.reserveTask(lone.topic, "p1"))!;
      const back = await createWriter(taskq).write({
        op: "fail",
        taskId: r.taskId,
        pid: "p1",
        leaseId: r.leaseId!,
        error: "once",
        retry: { maxAttempts: 2, backoff: { type: "fixed", delayMs: 0 } },
      });
      expect(back).toMatchObject({ status: "starting", failures: 1, error: "once" });
    });

    it("runs higher priority first, and a delayed task only once its time has come", async () => {
      // the delay ends when the test moves the clock, not after a time the round trips before it might
      // overrun on a loaded machine (400 ms of real time did not always hold five of them)
      const clock = new TestClock();
      ({ taskq, cleanup } = target.make({ clock }));
      const topic = uniq("order");
      const later = await taskq.createTask({ topic, data: "later", delayMs: 60_000 });
      await taskq.createTasks([
        { topic, data: "low", priority: 10 },
        { topic, data: "normal" },
        { topic, data: "urgent", priority: -10 },
      ]);
      const seen: { data: unknown; at: number }[] = [];
      start({
        taskq,
        topic,
        pfn: (task) => {
          seen.push({ data: task.data, at: task.updatedAt });
          return ok();
        },
      });
      await waitFor(() => seen.length === 3, 10_000, "the three ready tasks to run");
      expect((await taskq.task(later.taskId))!.status).toBe("starting");
      clock.shift(60_000);
      await ended(later.taskId);
      expect(seen.map((s) => s.data)).toEqual(["urgent", "normal", "low", "later"]);
      expect(seen[3].at).toBeGreaterThanOrEqual(later.runAt!);
    });
  });
}

for (const target of TARGETS) {
  describe(`cancel in this process (${target.name})`, () => {
    it("cancelling a running task aborts it at once (CancelledError), not at its next keepalive; the others run on", async () => {
      const { taskq, cleanup } = target.make();
      try {
        const topic = uniq("cancel-here");
        const [doomed, spared] = await taskq.createTasks([{ topic }, { topic }]);
        const reasons = new Map<string, unknown>();
        const started = new Set<string>();
        let release!: () => void;
        const spared$ = new Promise<void>((r) => (release = r));
        const w = worker({
          taskq,
          topic,
          concurrency: 2,
          leaseTimeMs: 600_000, // the first keepalive is minutes away: only the store's own announcement can tell
          pfn: async (task, { signal }) => {
            started.add(task.taskId);
            if (task.taskId === spared.taskId) {
              await spared$;
              return ok("spared");
            }
            await new Promise((r) => signal.addEventListener("abort", r));
            reasons.set(task.taskId, signal.reason);
            return ok("too late");
          },
        });
        const cancelled: Task[] = [];
        w.addEventListener("cancelled", (e) => cancelled.push(e.detail));
        await waitFor(() => started.size === 2, 10_000, "both tasks to start");
        await taskq.cancelTask(doomed.taskId, "changed my mind");
        await waitFor(() => cancelled.length === 1, 10_000, "the cancelled event");
        expect(cancelled[0].taskId).toBe(doomed.taskId);
        expect(reasons.get(doomed.taskId)).toMatchObject({ name: "CancelledError" });
        expect(String((reasons.get(doomed.taskId) as Error).message)).toContain("changed my mind");
        release();
        await waitFor(async () => (await taskq.task(spared.taskId))?.status === "terminated", 10_000, "the other");
        await w.stop();
        expect(await taskq.task(doomed.taskId)).toMatchObject({ status: "cancelled", error: "changed my mind" });
        expect(cancelled).toHaveLength(1); // one event, though the late ok() was refused as well
      } finally {
        await cleanup();
      }
    });
  });
}

/** The store as a TaskQ that cannot follow cancels (as another implementation of TaskQ may be). */
function withoutCancelWatch(taskq: TaskQ): TaskQ {
  return new Proxy(taskq, {
    get(t, k) {
      if (k === "watchCancels") return undefined;
      const v = Reflect.get(t, k, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

describe("worker and operator (file:)", () => {
  const target = TARGETS.find((t) => t.name.startsWith("file"))!;

  it("without watchCancels, a running task's cancel comes with its next keepalive; its late ok() changes nothing", async () => {
    const { taskq: store, cleanup } = target.make();
    const taskq = withoutCancelWatch(store);
    try {
      const topic = uniq("cancel");
      const t = await taskq.createTask({ topic });
      let reason: { name?: string } | undefined;
      let started!: () => void;
      const isRunning = new Promise<void>((r) => (started = r));
      const w = worker({
        taskq,
        topic,
        leaseTimeMs: 2_000,
        keepaliveMs: 100,
        pfn: async (_task, { signal }) => {
          started();
          await new Promise((r) => signal.addEventListener("abort", r));
          reason = signal.reason;
          return ok("too late");
        },
      });
      const cancelled: Task[] = [];
      w.addEventListener("cancelled", (e) => cancelled.push(e.detail));
      await isRunning;
      const c = await taskq.cancelTask(t.taskId, "changed my mind");
      await waitFor(() => cancelled.length === 1, 10_000, "the cancelled event");
      expect(reason?.name).toBe("CancelledError");
      await w.stop();
      expect(await taskq.task(t.taskId)).toEqual(c);
      expect(c).toMatchObject({ status: "cancelled", error: "changed my mind", result: null });
    } finally {
      await cleanup();
    }
  });

  it("retention deletes finished tasks past their age while a worker is busy", async () => {
    const { taskq, cleanup } = target.make({ retention: { terminated: 0, everyMs: 50 } });
    try {
      const topic = uniq("retain");
      await taskq.createTasks(Array.from({ length: 50 }, () => ({ topic })));
      const w = worker({ taskq, topic, concurrency: 4, maxPollIntervalMs: 20, pfn: () => ok() });
      await waitFor(async () => (await taskq.countTasks({ topic })) === 0, 15_000, "retention to delete them all");
      await w.stop();
    } finally {
      await cleanup();
    }
  });
});
