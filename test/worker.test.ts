/**
 * The worker in one process, against real libSQL stores: outcomes, errors,
 * keepalive, timeouts, lease theft, injected store faults, concurrency and
 * stopping.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTaskQ,
  drain,
  failed,
  ok,
  type ProcessorFn,
  snoozed,
  type Task,
  TaskError,
  type TaskQ,
  type Worker,
  worker,
} from "../mod.ts";
import { INVALID_RESPONSE } from "../src/worker/outcome.ts";
import { WorkerOptionsSchema } from "../src/worker/worker.ts";
import { DrainOptionsSchema } from "../src/worker/drain.ts";
import { SchedulerOptionsSchema } from "../src/schedules/scheduler.ts";
import { OptionsSchema as StoreOptionsSchema } from "../src/libsql/taskq.ts";
import { parseOrThrow } from "../src/schemas.ts";
import { tempDbUrl, waitFor } from "./helpers.ts";

let db: ReturnType<typeof tempDbUrl>;
let taskq: TaskQ;
const workers: Worker[] = [];

beforeEach(() => {
  db = tempDbUrl();
  taskq = createTaskQ({ url: db.url });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await taskq.close();
  db.cleanup();
});

function start(opts: Partial<Parameters<typeof worker>[0]> & { pfn: ProcessorFn<any> }): Worker {
  const w = worker({ taskq, topic: "t", maxPollIntervalMs: 50, ...opts });
  workers.push(w);
  return w;
}

function events(w: Worker, name: string): unknown[] {
  const out: unknown[] = [];
  w.addEventListener(name, (e) => out.push((e as CustomEvent).detail));
  return out;
}

const final = (t: Task | null) => t !== null && (t.status === "terminated" || t.status === "failed");
const settled = (id: string) =>
  waitFor(
    async () => {
      const t = await taskq.task(id);
      return final(t) ? t : null;
    },
    20_000,
    `task ${id} to reach a final state`,
  );

/** A promise and its resolver. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => (open = r));
  return { p, open };
}

describe("worker", () => {
  it("starts and stops: stop() resolves, emits stopped, done settles, a second stop() is safe", async () => {
    const w = start({ pfn: () => ok() });
    const stopped = events(w, "stopped");
    expect(w.pid).toMatch(/^worker-/);
    await w.stop();
    await w.done;
    await w.stop();
    expect(stopped).toEqual([{ pid: w.pid, reason: "stop" }]);
  });

  it("runs three tasks: completed, failed, snoozed then completed", async () => {
    const [a, b, c] = await taskq.createTasks([
      { topic: "t", data: "ok" },
      { topic: "t", data: "fail" },
      { topic: "t", data: "snooze" },
    ]);
    const w = start({
      pfn: (task) => {
        if (task.data === "fail") return failed({ errorMessage: "nope" });
        if (task.data === "snooze" && task.attempts === 1) return snoozed({ snoozeTime: 50 });
        return ok();
      },
    });
    const completed = events(w, "completed");
    const failedEv = events(w, "failed");
    const snoozedEv = events(w, "snoozed");
    expect(await settled(a.taskId)).toMatchObject({ status: "terminated", attempts: 1 });
    expect(await settled(b.taskId)).toMatchObject({ status: "failed", error: "nope" });
    expect(await settled(c.taskId)).toMatchObject({ status: "terminated", attempts: 2, snoozeTime: 50 });
    await w.stop();
    expect(completed.map((t) => (t as Task).taskId).sort()).toEqual([a.taskId, c.taskId].sort());
    expect(failedEv.map((t) => (t as Task).taskId)).toEqual([b.taskId]);
    expect(snoozedEv.map((t) => (t as Task).status)).toEqual(["snoozed"]);
  });

  it("a completed event holds the task exactly as stored (result, keepalives, an earlier failed attempt)", async () => {
    const [plain, withResult, kept, retried] = await taskq.createTasks([
      { topic: "t", data: { kind: "plain" } },
      { topic: "t", data: { kind: "result" }, priority: 1 },
      { topic: "t", data: { kind: "kept" }, priority: 2 },
      { topic: "t", data: { kind: "retried" }, maxAttempts: 2, backoff: { type: "fixed", delayMs: 0 }, priority: 3 },
    ]);
    // the kept task finishes after two keepalives (each bumps recordVer; the reservation made it 2)
    const extendedTwice = async (id: string) => ((await taskq.task(id))?.recordVer ?? 0) >= 4;
    const w = start({
      concurrency: 4,
      leaseTimeMs: 200,
      keepaliveMs: 20,
      pfn: async (task) => {
        const { kind } = task.data as { kind: string };
        if (kind === "result") return ok({ url: "x", n: [1, 2], nested: { none: null } });
        if (kind === "kept") await waitFor(() => extendedTwice(task.taskId), 5_000, "two keepalives");
        if (kind === "retried" && task.attempts === 1) return failed("first try");
        return ok();
      },
    });
    const completed = events(w, "completed") as Task[];
    await waitFor(() => completed.length === 4, 20_000, "four completed events");
    for (const t of [plain, withResult, kept, retried]) {
      const event = completed.find((c) => c.taskId === t.taskId);
      expect(event).toEqual(await taskq.task(t.taskId));
    }
    expect(completed.find((c) => c.taskId === withResult.taskId)!.result).toEqual({
      url: "x",
      n: [1, 2],
      nested: { none: null },
    });
    expect(completed.find((c) => c.taskId === retried.taskId)).toMatchObject({ attempts: 2, error: "first try" });
  });

  it("a throwing pfn and an invalid return both become failed", async () => {
    const tasks = await taskq.createTasks(
      ["throw", "throw-string", "undefined", "string", "bogus-event", "bad-snooze"].map((d) => ({
        topic: "t",
        data: d,
      })),
    );
    start({
      concurrency: 3,
      pfn: ((task: Task<string>) => {
        switch (task.data) {
          case "throw":
            throw new Error("kaput");
          case "throw-string":
            return Promise.reject("just a string");
          case "undefined":
            return undefined;
          case "string":
            return "done";
          case "bogus-event":
            return { event: "finished" };
          default:
            return { event: "snoozed", snoozeTime: -5 };
        }
      }) as unknown as ProcessorFn,
    });
    const errors = await Promise.all(tasks.map((t) => settled(t.taskId)));
    expect(errors.map((t) => t.status)).toEqual(Array(6).fill("failed"));
    // a thrown Error keeps its class name and its stack (which names this file)
    expect(errors[0].error).toMatch(/^Error: kaput\n/);
    expect(errors[0].error).toMatch(/worker\.test\.ts/);
    expect(errors[1].error).toBe("just a string");
    expect(errors[2].error).toBe(`${INVALID_RESPONSE}: got undefined; return ok(), failed() or snoozed()`);
    expect(errors[3].error).toBe(`${INVALID_RESPONSE}: got a string; return ok(), failed() or snoozed()`);
    expect(errors[4].error).toMatch(new RegExp(`^${INVALID_RESPONSE}: event must be "completed"`));
    expect(errors[5].error).toMatch(new RegExp(`^${INVALID_RESPONSE}: snoozed\\(\\): snoozeTime must not be negative`));
  });

  it("a thrown error's stored text is bounded and keeps its class name and cause", async () => {
    class MailError extends Error {
      override name = "MailError";
    }
    const t = await taskq.createTask({ topic: "t" });
    start({
      pfn: () => {
        throw new MailError("x".repeat(10_000), { cause: new TypeError("socket closed") });
      },
    });
    const done = await settled(t.taskId);
    expect(done.error).toMatch(/^MailError: x+/);
    expect(done.error!.length).toBeLessThanOrEqual(4_000);
    const small = await taskq.createTask({ topic: "t2" });
    start({
      topic: "t2",
      pfn: () => {
        throw new MailError("bounced", { cause: new TypeError("socket closed") });
      },
    });
    expect((await settled(small.taskId)).error).toMatch(
      /^MailError: bounced\n[\s\S]*Caused by: TypeError: socket closed/,
    );
  });

  it("failed(hugeText) still fails the task, its text cut to 4,000 characters with a marker", async () => {
    const [a, b] = await taskq.createTasks([{ topic: "t", data: "text" }, { topic: "t", data: "options" }]);
    const huge = "e".repeat(900_000);
    start({ pfn: (task) => task.data === "text" ? failed(huge) : failed({ errorMessage: `o${huge}` }) });
    for (const [t, text] of [[a, huge], [b, `o${huge}`]] as const) {
      const done = await settled(t.taskId);
      expect(done.status).toBe("failed");
      expect(done.error).toBe(text.slice(0, 4_000 - "…(truncated)".length) + "…(truncated)");
    }
  });

  it("keeps a task longer than its lease alive; it runs exactly once while a second worker polls", async () => {
    const t = await taskq.createTask({ topic: "t" });
    let runs = 0;
    const pfn: ProcessorFn = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 3_000));
      return ok();
    };
    // a keepalive every 100 ms of a 1 s lease: one may come 900 ms late (a loaded CI machine) and still
    // be in time; with 300 ms leases and the default keepalive (70 %) 90 ms late lost the lease
    const w1 = start({ pid: "w1", leaseTimeMs: 1_000, keepaliveMs: 100, timeoutMs: 10_000, pfn });
    const reserved = events(w1, "reserved");
    await waitFor(() => reserved.length === 1, 10_000, "w1 to reserve");
    start({ pid: "w2", leaseTimeMs: 1_000, keepaliveMs: 100, timeoutMs: 10_000, pfn });
    const done = await settled(t.taskId);
    expect(runs).toBe(1);
    expect(done).toMatchObject({ status: "terminated", attempts: 1 });
    expect(done.recordVer).toBeGreaterThan(3); // reserve + keepalives + terminate
  });

  it("times out through the signal and fails the task even when pfn never settles", async () => {
    const t = await taskq.createTask({ topic: "t", timeoutMs: 150 });
    const reasons: string[] = [];
    const w = start({
      pfn: (_task, { signal }) => {
        signal.addEventListener("abort", () => reasons.push((signal.reason as Error).name));
        return new Promise(() => {}); // ignores its signal, never settles
      },
    });
    const timeouts = events(w, "timeout");
    const done = await settled(t.taskId);
    expect(done.status).toBe("failed");
    expect(done.error).toBe("timed out after 150 ms");
    expect(reasons).toEqual(["TimeoutError"]);
    expect(timeouts).toEqual([{ task: expect.objectContaining({ taskId: t.taskId }), timeoutMs: 150 }]);
  });

  it("keeps a task alive until its timeout, then times it out (one timer serves both)", async () => {
    const t = await taskq.createTask({ topic: "t", timeoutMs: 2_500 });
    let signal: AbortSignal | undefined;
    // a keepalive every 100 ms of a 1 s lease: room for a loaded machine's late timers (see above)
    start({
      pid: "w1",
      leaseTimeMs: 1_000,
      keepaliveMs: 100,
      pfn: (_task, ctx) => ((signal = ctx.signal), new Promise(() => {})),
    });
    const done = await settled(t.taskId);
    expect(done).toMatchObject({ status: "failed", error: "timed out after 2500 ms", attempts: 1 });
    // several keepalives renewed the 1 s lease before the timeout (reserve, keepalives, the failed attempt)
    expect(done.recordVer).toBeGreaterThan(4);
    expect((signal!.reason as Error).name).toBe("TimeoutError");
    // after the end no keepalive follows: the task stays as it was written
    await new Promise((r) => setTimeout(r, 400));
    expect((await taskq.task(t.taskId))!.recordVer).toBe(done.recordVer);
  });

  it("the worker's timeoutMs applies when the task has none", async () => {
    const t = await taskq.createTask({ topic: "t" });
    start({ timeoutMs: 100, pfn: () => new Promise(() => {}) });
    expect((await settled(t.taskId)).error).toBe("timed out after 100 ms");
  });
});

describe("lease theft", () => {
  /** Revokes the running task's lease (retrying while keepalives bump recordVer) and reserves it as p2. */
  async function steal(taskId: string): Promise<Task> {
    await waitFor(
      async () => {
        const now = (await taskq.task(taskId))!;
        if (now.status !== "running") return null;
        return taskq.revokeLease(taskId, now.recordVer).catch((e: TaskError) => {
          if (e.code === "task-concurrently-updated") return null;
          throw e;
        });
      },
      10_000,
      "the revoke",
    );
    return (await taskq.reserveTask("t", "p2", { leaseTimeMs: 60_000 }))!;
  }

  it("a revoked lease aborts the signal; the late outcome is discarded; the second owner's stands", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const aborted = gate<string>();
    const w = start({
      pid: "w1",
      leaseTimeMs: 10_000,
      keepaliveMs: 30,
      pfn: (_task, { signal }) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            aborted.open((signal.reason as Error).name);
            resolve(ok()); // a late "completed": must not be written
          })
        ),
    });
    const lost = events(w, "lease-lost");
    const completed = events(w, "completed");
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "w1 to run the task");
    const second = await steal(t.taskId);
    expect(second.pid).toBe("p2");
    expect(await aborted.p).toBe("LeaseLostError");
    await waitFor(() => lost.length === 1, 10_000, "lease-lost");
    expect((await taskq.task(t.taskId))!).toMatchObject({ status: "running", pid: "p2", leaseId: second.leaseId });
    const done = await taskq.fail(t.taskId, "p2", "second owner", { leaseId: second.leaseId! });
    expect(done).toMatchObject({ status: "failed", error: "second owner" });
    expect(completed).toEqual([]);
  });

  it("an outcome written after the lease moved on is rejected by the fence and reported as lease-lost", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const go = gate();
    const w = start({ pid: "w1", leaseTimeMs: 60_000, keepaliveMs: 30_000, pfn: async () => (await go.p, ok()) });
    const lost = events(w, "lease-lost");
    const errors = events(w, "error");
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "w1 to run the task");
    const second = await steal(t.taskId);
    go.open();
    const ev = (await waitFor(() => lost[0], 10_000, "lease-lost")) as { error: TaskError };
    expect(ev.error.code).toBe("wrong-owner");
    expect(errors).toEqual([]);
    expect((await taskq.task(t.taskId))!).toMatchObject({ status: "running", pid: "p2" });
    expect((await taskq.terminate(t.taskId, "p2", { leaseId: second.leaseId! })).status).toBe("terminated");
  });
});

describe("the fence of the worker's own outcome", () => {
  it("an ok() written after the lease moved to a new reservation of the SAME pid is refused; the new one is untouched", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const go = gate();
    // concurrency 1: while its function waits, the worker itself reserves nothing (the test re-reserves as it)
    const w = start({
      pid: "w1",
      leaseTimeMs: 60_000,
      keepaliveMs: 30_000,
      pfn: async () => (await go.p, ok("stale")),
    });
    const lost = events(w, "lease-lost");
    const completed = events(w, "completed");
    const errors = events(w, "error");
    const first = await waitFor(
      async () => {
        const now = (await taskq.task(t.taskId))!;
        return now.status === "running" ? now : null;
      },
      10_000,
      "w1 to run the task",
    );
    await taskq.revokeLease(t.taskId, first.recordVer);
    const again = (await taskq.reserveTask("t", "w1", { leaseTimeMs: 60_000 }))!;
    expect(again).toMatchObject({ taskId: t.taskId, pid: "w1", status: "running" });
    expect(again.leaseId).not.toBe(first.leaseId);
    go.open(); // the first execution's ok("stale") goes out with the first lease
    const ev = (await waitFor(() => lost[0], 10_000, "lease-lost")) as { error: TaskError };
    expect(ev.error).toMatchObject({
      code: "wrong-owner",
      message: expect.stringContaining("is not the task's current lease (it was reserved again since"),
    });
    expect(completed).toEqual([]);
    expect(errors).toEqual([]);
    expect(await taskq.task(t.taskId)).toEqual(again); // not a field changed, recordVer included
    const done = await taskq.terminate(t.taskId, "w1", { leaseId: again.leaseId!, result: "fresh" });
    expect(done).toMatchObject({ status: "terminated", result: "fresh" });
  });

  it("an ok() returned after a cancel and before the next keepalive is refused: the task stays cancelled, no result", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const go = gate();
    const w = start({ pid: "w1", leaseTimeMs: 60_000, keepaliveMs: 30_000, pfn: async () => (await go.p, ok("late")) });
    const cancelled = events(w, "cancelled");
    const completed = events(w, "completed");
    const errors = events(w, "error");
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "w1 to run the task");
    const stopped = await taskq.cancelTask(t.taskId, "not wanted");
    expect(stopped).toMatchObject({ status: "cancelled", error: "not wanted", result: null });
    go.open(); // no keepalive came between: the worker learns of the cancel from its outcome's refusal
    await waitFor(() => cancelled.length === 1, 10_000, "the cancelled event");
    expect(cancelled).toEqual([expect.objectContaining({ taskId: t.taskId })]);
    expect(completed).toEqual([]);
    expect(errors).toEqual([]);
    expect(await taskq.task(t.taskId)).toEqual(stopped); // still cancelled, no result, not a field changed
  });
});

const METHODS = [
  "createTask",
  "createTasks",
  "task",
  "tasks",
  "listTasks",
  "reserveTask",
  "reserveTasks",
  "extendLease",
  "terminate",
  "fail",
  "snooze",
  "revokeLease",
  "applyWrites",
  "topicStats",
  "close",
] as const;

/** A TaskQ forwarding to `inner`, with some methods replaced. */
function wrap(
  inner: TaskQ,
  overrides: Partial<Record<(typeof METHODS)[number], (...a: any[]) => Promise<any>>>,
): TaskQ {
  const q: any = {};
  for (const m of METHODS) q[m] = overrides[m] ?? ((...a: unknown[]) => (inner as any)[m](...a));
  Object.defineProperty(q, "leaseTimeMs", { get: () => inner.leaseTimeMs });
  Object.defineProperty(q, "snoozeTimeMs", { get: () => inner.snoozeTimeMs });
  return q as TaskQ;
}

/** A TaskQ that fails a share of calls with store-unavailable, before or after the real call. */
function faulty(inner: TaskQ, share: number): TaskQ & { faults: number } {
  const wrapper = { faults: 0 } as TaskQ & { faults: number };
  for (const m of METHODS) {
    (wrapper as any)[m] = async (...args: unknown[]) => {
      const fault = () => {
        wrapper.faults++;
        return new TaskError("unavailable", "store-unavailable", `injected fault in ${m}`);
      };
      if (Math.random() < share / 2) throw fault(); // the call never reached the store
      const result = await (inner as any)[m](...args);
      if (Math.random() < share / 2) throw fault(); // it did, but the answer was lost
      return result;
    };
  }
  Object.defineProperty(wrapper, "leaseTimeMs", { get: () => inner.leaseTimeMs });
  Object.defineProperty(wrapper, "snoozeTimeMs", { get: () => inner.snoozeTimeMs });
  return wrapper;
}

describe("faults", () => {
  it("survives a store that fails 30 % of calls; every task still ends in a final state", async () => {
    const tasks = await taskq.createTasks(Array.from({ length: 40 }, (_, i) => ({ topic: "t", data: i })));
    const flaky = faulty(taskq, 0.3);
    const w = start({
      taskq: flaky,
      concurrency: 3,
      leaseTimeMs: 400,
      pfn: async (task) => {
        await new Promise((r) => setTimeout(r, 5));
        return (task.data as number) % 4 === 0 ? failed({ errorMessage: "by design" }) : ok();
      },
    });
    const errors = events(w, "error");
    const stopped = events(w, "stopped");
    const done = await Promise.all(tasks.map((t) => settled(t.taskId)));
    expect(done.every((t) => final(t))).toBe(true);
    expect(done.filter((t) => t.status === "failed").every((t) => t.error === "by design")).toBe(true);
    expect(flaky.faults).toBeGreaterThan(0);
    expect(errors.length).toBeGreaterThan(0); // poll errors were reported…
    expect(stopped).toEqual([]); // …and the worker kept going
    expect(errors.every((e) => e instanceof TaskError && e.type === "unavailable")).toBe(true);
  });

  it("a failing poll is an error event and a backoff, never the end of the worker", async () => {
    const t = await taskq.createTask({ topic: "t" });
    let failures = 3;
    const broken = wrap(taskq, {
      reserveTask: (...a: Parameters<TaskQ["reserveTask"]>) =>
        failures-- > 0
          ? Promise.reject(new TaskError("unavailable", "store-unavailable", "down"))
          : taskq.reserveTask(...a),
    });
    const w = start({ taskq: broken, pfn: () => ok() });
    const errors = events(w, "error");
    await settled(t.taskId);
    expect(errors.length).toBe(3);
  });
});

describe("concurrency and stopping", () => {
  it("runs up to concurrency tasks at once, and no more", async () => {
    await taskq.createTasks(Array.from({ length: 9 }, () => ({ topic: "t" })));
    let now = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    start({
      concurrency: 3,
      pfn: async () => {
        peak = Math.max(peak, ++now);
        await new Promise<void>((r) => release.push(r));
        now--;
        return ok();
      },
    });
    for (let done = 0; done < 9;) {
      await waitFor(() => release.length > 0, 10_000, "a running task");
      expect(now).toBeLessThanOrEqual(3);
      release.shift()!();
      done++;
    }
    await waitFor(async () => (await taskq.listTasks({ status: "terminated" })).data.length === 9, 10_000, "all done");
    expect(peak).toBe(3);
  });

  it("stop() aborts running tasks and hands their leases back at once", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const reasons: string[] = [];
    const w = start({
      pfn: (_task, { signal }) =>
        new Promise(() => signal.addEventListener("abort", () => reasons.push((signal.reason as Error).name))),
    });
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "the task to run");
    await w.stop();
    expect(reasons).toEqual(["WorkerStoppedError"]);
    expect(await taskq.task(t.taskId)).toMatchObject({ status: "starting", pid: null, leaseId: null });
    expect((await taskq.reserveTask("t", "next"))!.taskId).toBe(t.taskId);
  });

  it("stop({ drain: true }) lets running tasks finish and takes no new ones", async () => {
    const [a, b] = await taskq.createTasks([{ topic: "t", data: "a" }, { topic: "t", data: "b" }]);
    const go = gate();
    const w = start({ pfn: async () => (await go.p, ok()) });
    await waitFor(async () => (await taskq.task(a.taskId))!.status === "running", 10_000, "a to run");
    const stopping = w.stop({ drain: true, timeoutMs: 10_000 });
    go.open();
    await stopping;
    expect((await taskq.task(a.taskId))!.status).toBe("terminated");
    expect((await taskq.task(b.taskId))!).toMatchObject({ status: "starting", attempts: 0 });
  });

  it("a draining stop gives up after its timeout and hands the lease back", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const w = start({ pfn: () => new Promise(() => {}) });
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "the task to run");
    await w.stop({ drain: true, timeoutMs: 50 });
    expect((await taskq.task(t.taskId))!.status).toBe("starting");
  });

  it("aborting the worker's signal stops it like stop()", async () => {
    const ac = new AbortController();
    const w = start({ signal: ac.signal, pfn: () => ok() });
    const stopped = events(w, "stopped");
    ac.abort();
    await w.done;
    expect(stopped).toEqual([{ pid: w.pid, reason: "signal" }]);
  });

  it("the function's second argument holds pid and signal as own properties (spreading keeps both)", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const seen: { pid: unknown; signal: unknown; keys: string[] }[] = [];
    const w = start({
      pfn: (_task, ctx) => {
        const copy = { ...ctx };
        seen.push({ pid: copy.pid, signal: copy.signal, keys: Object.keys(ctx).sort() });
        return ok();
      },
    });
    expect(await settled(t.taskId)).toMatchObject({ status: "terminated" });
    expect(seen).toEqual([{ pid: w.pid, signal: expect.any(AbortSignal), keys: ["pid", "signal"] }]);
    expect((seen[0].signal as AbortSignal).aborted).toBe(false);
  });

  it("a function that stops its own worker: its own outcome is still written, then the worker stops", async () => {
    const [t, later] = await taskq.createTasks([{ topic: "t" }, { topic: "t", priority: 1 }]);
    let w!: Worker;
    w = start({
      pfn: () => {
        void w.stop();
        return ok("last");
      },
    });
    const completed = events(w, "completed");
    await w.done;
    expect(completed).toEqual([expect.objectContaining({ taskId: t.taskId, status: "terminated", result: "last" })]);
    expect(await taskq.task(later.taskId)).toMatchObject({ status: "starting", attempts: 0 });
  });

  it("a thenable whose then() throws fails its task with what it threw", async () => {
    const t = await taskq.createTask({ topic: "t" });
    start({
      pfn: (() => ({
        then() {
          throw new Error("then broke");
        },
      })) as unknown as ProcessorFn<unknown>,
    });
    expect(await settled(t.taskId)).toMatchObject({ status: "failed", error: expect.stringMatching(/then broke/) });
  });

  it("stop() hands a running task back with a released event", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const w = start({ pfn: () => new Promise(() => {}) });
    const released = events(w, "released");
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "the task to run");
    await w.stop();
    expect(released).toEqual([expect.objectContaining({ taskId: t.taskId, status: "starting", lastPid: w.pid })]);
  });

  it("closing its store stops the worker: running tasks handed back, one stopped event saying why, no error events", async () => {
    const t = await taskq.createTask({ topic: "t" });
    const w = start({ pfn: () => new Promise(() => {}), maxPollIntervalMs: 60_000 });
    const idle = start({ topic: "idle", pfn: () => ok(), maxPollIntervalMs: 60_000 });
    const errors = [...events(w, "error"), ...events(idle, "error")];
    const stopped = [events(w, "stopped"), events(idle, "stopped")];
    await waitFor(async () => (await taskq.task(t.taskId))!.status === "running", 10_000, "the task to run");
    await taskq.close();
    await Promise.all([w.done, idle.done]);
    expect(stopped).toEqual([[{ pid: w.pid, reason: "store-closed" }], [{ pid: idle.pid, reason: "store-closed" }]]);
    expect(errors).toEqual([]);
    // the hand-back reached the database before the connection closed
    const reopened = createTaskQ({ url: db.url });
    expect(await reopened.task(t.taskId)).toMatchObject({ status: "starting" });
    await reopened.close();
  });

  it("refuses bad options with a TaskError", () => {
    for (const bad of [{ topic: "" }, { concurrency: 0 }, { pfn: "no" }, { leaseTimeMs: -1 }, { taskq: {} }]) {
      expect(() => worker({ taskq, topic: "t", pfn: () => ok(), ...bad } as never)).toThrow(TaskError);
    }
  });

  it("names missing options and what they must be, refuses unknown ones with a hint, and keepaliveMs ≥ leaseTimeMs", async () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(TaskError);
        expect((e as TaskError).code).toBe("invalid-options");
        return (e as TaskError).message;
      }
      throw new Error("did not throw");
    };
    expect(message(() => worker({} as never))).toBe(
      "worker: taskq is required: the store, a TaskQ from createTaskQ(); " +
        "topic is required: a non-empty string of at most 255 characters, without control characters or leading/trailing whitespace; " +
        "pfn is required: your function (task, { signal, pid }) => Outcome",
    );
    expect(message(() => worker({ taskq, topic: "t", pfn: () => ok(), concurrancy: 8 } as never))).toContain(
      'concurrancy is not a field of worker options (did you mean "concurrency"?)',
    );
    // an option of the store, tried on a worker, is refused saying where it goes
    expect(message(() => worker({ taskq, topic: "t", pfn: () => ok(), fileEvents: false } as never))).toContain(
      "fileEvents is not a field of worker options (it is an option of createTaskQ); known: taskq, topic",
    );
    // every option createTaskQ takes and a worker, a drain or a scheduler does not (parse.ts keeps that list)
    for (
      const [schema, noun] of [[WorkerOptionsSchema, "worker"], [DrainOptionsSchema, "drain"], [
        SchedulerOptionsSchema,
        "scheduler",
      ]] as const
    ) {
      const own = Object.keys(schema.entries);
      const storeOnly = Object.keys(StoreOptionsSchema.entries).filter((k) => !own.includes(k));
      expect(storeOnly).toContain("fileEvents");
      for (const option of storeOnly) {
        expect(message(() => parseOrThrow(schema, { [option]: 1 }, noun, "invalid-options"))).toContain(
          `${option} is not a field of ${noun} options (it is an option of createTaskQ)`,
        );
      }
    }
    await expect(drain({ taskq, topic: "t", pfn: () => ok(), changePollMs: 5 } as never)).rejects.toThrow(
      "changePollMs is not a field of drain options (it is an option of createTaskQ)",
    );
    expect(message(() => worker({ taskq, topic: "t", pfn: () => ok(), leaseTimeMs: 1000, keepaliveMs: 1000 })))
      .toContain("keepaliveMs must be less than leaseTimeMs (1000)");
    // the store's lease counts when the worker sets none
    expect(message(() => worker({ taskq, topic: "t", pfn: () => ok(), keepaliveMs: 120_000 }))).toContain(
      "keepaliveMs must be less than leaseTimeMs (120000)",
    );
    expect(message(() => worker(undefined as never))).toBe("worker: must be worker options, not undefined");
  });

  it("the outcome helpers take the obvious shorthands and refuse the rest by name", () => {
    expect(failed("bounced")).toEqual({ event: "failed", errorMessage: "bounced" });
    expect((failed(new RangeError("too far")) as { errorMessage?: string }).errorMessage).toMatch(
      /^RangeError: too far/,
    );
    expect(snoozed(1000)).toEqual({ event: "snoozed", snoozeTime: 1000 });
    expect(snoozed()).toEqual({ event: "snoozed" });
    for (
      const [f, text] of [
        [() => snoozed(-5), "snoozed(): snoozeTime must not be negative"],
        [() => snoozed({ snoozeTime: -5 }), "snoozed(): snoozeTime must not be negative"],
        [() => snoozed({ snoozeTime: 1.5 }), "snoozed(): snoozeTime must be an integer"],
        [
          () => snoozed({ snooze: 5 } as never),
          'snooze is not a field of snoozed() options (did you mean "snoozeTime"?)',
        ],
        [() => failed({ message: "x" } as never), "message is not a field of failed() options"],
        [() => failed(5 as never), "failed(): must be failed() options ({ errorMessage }), not a number"],
      ] as const
    ) {
      expect(f).toThrow(TaskError);
      try {
        f();
      } catch (e) {
        expect((e as TaskError).code).toBe("invalid-outcome");
        expect((e as TaskError).message).toContain(text);
      }
    }
  });
});
