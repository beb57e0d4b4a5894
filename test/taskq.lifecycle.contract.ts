/**
 * The TaskQ contract of a task's life beyond the seed, run for every target:
 * retries with backoff (a failed attempt with attempts left goes back to
 * `starting`; a lease that expired counts when the task has `maxAttempts`),
 * delayed tasks (`runAt`, `delayMs`), priorities, results, and an
 * operator's actions: cancel, hold / release, re-run, pause / resume a topic,
 * and pruning.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Task, TaskError, type TaskQ } from "../mod.ts";
import { rejection, type Target, uniq, waitFor } from "./contract-helpers.ts";

function expectTaskError(e: unknown, type: string, code: string, path?: string) {
  expect(e).toBeInstanceOf(TaskError);
  expect({ type: (e as TaskError).type, code: (e as TaskError).code }).toEqual({ type, code });
  if (path) expect((e as TaskError).issues?.map((i) => i.path)).toContain(path);
}

export function lifecycleContract(target: Target) {
  let taskq: TaskQ;
  let cleanup: () => Promise<void>;
  let topic: string;

  beforeEach(() => {
    ({ taskq, cleanup } = target.make({ leaseTimeMs: 60_000, snoozeTimeMs: 60_000 }));
    topic = uniq("life");
  });
  afterEach(() => cleanup());

  /** Creates a task on `topic` and reserves it (the only one there) as `pid`. */
  async function running(def: Record<string, unknown> = {}, pid = "p1"): Promise<Task> {
    const t = await taskq.createTask({ topic, ...def });
    const r = (await taskq.reserveTask(topic, pid))!;
    expect(r.taskId).toBe(t.taskId);
    return r;
  }

  describe("new fields", () => {
    it("a new task has priority 0, no maxAttempts or backoff, no failures, runAt = createdAt, result null", async () => {
      const t = await taskq.createTask({ topic });
      expect(t).toMatchObject({ priority: 0, maxAttempts: null, backoff: null, failures: 0, result: null });
      expect(t.runAt).toBe(t.createdAt);
      expect(await taskq.task(t.taskId)).toEqual(t);
    });

    it("keeps priority, maxAttempts and backoff, one by one and in bulk", async () => {
      const def = { topic, priority: -5, maxAttempts: 4, backoff: { type: "fixed" as const, delayMs: 10 } };
      const one = await taskq.createTask(def);
      const [bulk] = await taskq.createTasks([{ ...def, backoff: { type: "exponential", baseMs: 5, capMs: 50 } }]);
      expect(one).toMatchObject({ priority: -5, maxAttempts: 4, backoff: { type: "fixed", delayMs: 10 } });
      expect(bulk).toMatchObject({ maxAttempts: 4, backoff: { type: "exponential", baseMs: 5, capMs: 50 } });
      expect(await taskq.task(one.taskId)).toEqual(one);
      expect(await taskq.task(bulk.taskId)).toEqual(bulk);
    });

    it("refuses bad values by name and writes nothing", async () => {
      const bad: [Record<string, unknown>, string][] = [
        [{ priority: 1.5 }, "priority"],
        [{ priority: 2_000_000 }, "priority"],
        [{ maxAttempts: 0 }, "maxAttempts"],
        [{ backoff: { type: "linear" } }, "backoff.type"],
        [{ backoff: { type: "fixed" } }, "backoff.delayMs"],
        [{ backoff: { type: "exponential", baseMs: -1 } }, "backoff.baseMs"],
        [{ runAt: "tomorrow" }, "runAt"],
        [{ delayMs: -1 }, "delayMs"],
        [{ runAt: Date.now(), delayMs: 5 }, "delayMs"],
      ];
      for (const [def, path] of bad) {
        expectTaskError(await rejection(taskq.createTask({ topic, ...def })), "bad-request", "invalid-task", path);
        expectTaskError(await rejection(taskq.createTasks([{ topic, ...def }])), "bad-request", "invalid-task");
      }
      expect(await taskq.countTasks({ topic })).toBe(0);
    });
  });

  describe("delayed tasks", () => {
    it("delayMs: not reservable before its time (database clock), then reservable", async () => {
      const t = await taskq.createTask({ topic, delayMs: 300 });
      expect(t.runAt).toBe(t.createdAt + 300);
      // none yet, unless this round trip came after the delay (a loaded machine): then not a moment before it
      const early = await taskq.reserveTask(topic, "p1");
      if (early) expect(early.updatedAt).toBeGreaterThanOrEqual(t.runAt!);
      const r = early ?? await waitFor(() => taskq.reserveTask(topic, "p1"), 10_000, "the delay");
      expect(r.taskId).toBe(t.taskId);
    });

    it("runAt as a Date, epoch ms or ISO string; one in the past is reservable at once", async () => {
      const later = await taskq.createTask({ topic, runAt: new Date(Date.now() + 3_600_000) });
      const iso = await taskq.createTask({ topic, runAt: new Date(Date.now() + 7_200_000).toISOString() });
      const past = await taskq.createTask({ topic, runAt: Date.now() - 1_000 });
      expect(iso.runAt).toBeGreaterThan(later.runAt!);
      const r = (await taskq.reserveTask(topic, "p1"))!;
      expect(r.taskId).toBe(past.taskId);
      expect(await taskq.reserveTask(topic, "p1")).toBeNull();
      expect((await taskq.task(later.taskId))!.runAt).toBe(later.runAt);
    });
  });

  describe("priorities", () => {
    it("reserves lower priority first, then the oldest-ready, whatever the creation order", async () => {
      const low = await taskq.createTask({ topic, priority: 5 });
      const a = await taskq.createTask({ topic });
      const urgent = await taskq.createTask({ topic, priority: -1 });
      const b = await taskq.createTask({ topic });
      const order: string[] = [];
      for (;;) {
        const r = await taskq.reserveTask(topic, "p1");
        if (!r) break;
        order.push(r.taskId);
      }
      expect(order).toEqual([urgent.taskId, a.taskId, b.taskId, low.taskId]);
    });

    it("reserveTasks takes them in the same order", async () => {
      const low = await taskq.createTask({ topic, priority: 1 });
      const high = await taskq.createTask({ topic, priority: -1 });
      const mid = await taskq.createTask({ topic });
      const got = await taskq.reserveTasks(topic, "p1", 2);
      expect(got.map((t) => t.taskId)).toEqual([high.taskId, mid.taskId]);
      expect((await taskq.reserveTasks(topic, "p1", 5)).map((t) => t.taskId)).toEqual([low.taskId]);
    });
  });

  describe("retries", () => {
    it("a failure with attempts left goes back to starting after a fixed backoff, keeping the error", async () => {
      const r = await running({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 300 } });
      const t = await taskq.fail(r.taskId, "p1", "smtp down", { leaseId: r.leaseId! });
      expect(t).toMatchObject({ status: "starting", error: "smtp down", failures: 1, pid: null, leaseId: null });
      expect(t.runAt).toBe(t.updatedAt + 300);
      // none yet, unless this round trip came after the backoff (a loaded machine): then not a moment before it
      const early = await taskq.reserveTask(topic, "p2");
      if (early) expect(early.updatedAt).toBeGreaterThanOrEqual(t.runAt!);
      const again = early ?? await waitFor(() => taskq.reserveTask(topic, "p2"), 10_000, "the backoff");
      expect(again).toMatchObject({ taskId: r.taskId, attempts: 2, failures: 1 });
    });

    it("an exponential backoff doubles per failure, with jitter in its upper half, up to its cap", async () => {
      await taskq.createTask({ topic, maxAttempts: 10, backoff: { type: "exponential", baseMs: 100, capMs: 250 } });
      const waits: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await waitFor(() => taskq.reserveTask(topic, "p1"), 10_000, "the backoff");
        const f = await taskq.fail(r.taskId, "p1", `boom ${i}`);
        waits.push(f.runAt! - f.updatedAt);
      }
      expect(waits[0]).toBeGreaterThanOrEqual(50);
      expect(waits[0]).toBeLessThanOrEqual(100);
      expect(waits[1]).toBeGreaterThanOrEqual(100);
      expect(waits[1]).toBeLessThanOrEqual(200);
      expect(waits[2]).toBeGreaterThanOrEqual(125); // capped: 250, not 400
      expect(waits[2]).toBeLessThanOrEqual(250);
    });

    it("the last attempt's failure ends the task failed; failures count every one", async () => {
      const r1 = await running({ maxAttempts: 2, backoff: { type: "fixed", delayMs: 0 } });
      expect((await taskq.fail(r1.taskId, "p1", "one")).status).toBe("starting");
      const r2 = (await taskq.reserveTask(topic, "p1"))!;
      const last = await taskq.fail(r2.taskId, "p1", "two", { leaseId: r2.leaseId! });
      expect(last).toMatchObject({ status: "failed", error: "two", failures: 2, attempts: 2, runAt: null });
      expect(await taskq.reserveTask(topic, "p1")).toBeNull();
    });

    it("without maxAttempts a failure is final, unless the failing worker gives retry defaults", async () => {
      const plain = await running();
      expect((await taskq.fail(plain.taskId, "p1", "x")).status).toBe("failed");
      const r = await running();
      const t = await taskq.fail(r.taskId, "p1", "y", {
        retry: { maxAttempts: 2, backoff: { type: "fixed", delayMs: 5_000 } },
      });
      expect(t).toMatchObject({ status: "starting", failures: 1, maxAttempts: null });
      expect(t.runAt).toBe(t.updatedAt + 5_000);
      // the task's own setting wins over the worker's
      const own = await running({ maxAttempts: 1 });
      expect((await taskq.fail(own.taskId, "p1", "z", { retry: { maxAttempts: 5 } })).status).toBe("failed");
    });

    it("failing a waiting task by hand is final, whatever its attempts", async () => {
      const t = await taskq.createTask({ topic, maxAttempts: 5 });
      expect(await taskq.fail(t.taskId, "anyone", "cancelled by hand")).toMatchObject({
        status: "failed",
        failures: 1,
      });
    });

    it("a snooze uses up no attempt", async () => {
      const r = await running({ maxAttempts: 1 });
      const s = await taskq.snooze(r.taskId, "p1", 0);
      expect(s.failures).toBe(0);
      const again = await waitFor(() => taskq.reserveTask(topic, "p1"), 10_000, "snooze end");
      expect(again.attempts).toBe(2);
      expect((await taskq.fail(again.taskId, "p1", "first failure")).status).toBe("failed");
    });

    it("a lease that expired counts as a failure; with maxAttempts used up the task ends failed, not running", async () => {
      const t = await taskq.createTask({ topic, maxAttempts: 2 });
      await taskq.reserveTask(topic, "p1", { leaseTimeMs: 30 });
      // the second reservation finds the expired lease: failure 1 of 2, the task runs again
      const second = await waitFor(() => taskq.reserveTask(topic, "p2", { leaseTimeMs: 30 }), 10_000, "expiry");
      expect(second).toMatchObject({ taskId: t.taskId, attempts: 2, failures: 1 });
      expect(second.error).toMatch(/^lease expired: p1 /);
      // the next reservation after the second expiry ends it
      await waitFor(async () => (await taskq.task(t.taskId))!.leaseExpiresAt! < Date.now() - 50, 10_000, "expiry");
      expect(await taskq.reserveTask(topic, "p3")).toBeNull();
      const ended = (await taskq.task(t.taskId))!;
      expect(ended).toMatchObject({ status: "failed", failures: 2, attempts: 2, pid: null, leaseId: null });
      expect(ended.error).toMatch(/^lease expired: p2 /);
    });

    it("without maxAttempts an expired lease is taken again, as ever (and counted)", async () => {
      const t = await taskq.createTask({ topic });
      await taskq.reserveTask(topic, "p1", { leaseTimeMs: 30 });
      const again = await waitFor(() => taskq.reserveTask(topic, "p2"), 10_000, "expiry");
      expect(again).toMatchObject({ taskId: t.taskId, status: "running", failures: 1 });
    });

    it("applyWrites carries retry defaults and refuses bad ones by name", async () => {
      const r = await running();
      const [ok, bad] = await taskq.applyWrites([
        { op: "fail", taskId: r.taskId, pid: "p1", error: "e", retry: { maxAttempts: 3 } },
        { op: "fail", taskId: r.taskId, pid: "p1", retry: { maxAttempts: 0 } },
      ]);
      expect(ok.task).toMatchObject({ status: "starting", failures: 1 });
      expectTaskError(bad.error, "bad-request", "invalid-task", "retry.maxAttempts");
    });
  });

  describe("results", () => {
    it("terminate keeps a JSON result, readable on the task", async () => {
      const r = await running();
      const result = { url: "https://example.com/a.png", sizes: [1, 2], ok: true };
      const t = await taskq.terminate(r.taskId, "p1", { leaseId: r.leaseId!, result });
      expect(t.result).toEqual(result);
      expect((await taskq.task(r.taskId))!.result).toEqual(result);
      const [w] = await taskq.applyWrites([{
        op: "terminate",
        taskId: (await running()).taskId,
        pid: "p1",
        result: 7,
      }]);
      expect(w.task!.result).toBe(7);
    });

    it("refuses a result JSON cannot carry, or one over maxDataBytes, by name, changing nothing", async () => {
      const small = target.make({ maxDataBytes: 100 });
      try {
        const t = await small.taskq.createTask({ topic });
        const r = (await small.taskq.reserveTask(topic, "p1"))!;
        expectTaskError(
          await rejection(small.taskq.terminate(t.taskId, "p1", { result: { f: () => 1 } })),
          "bad-request",
          "invalid-outcome",
          "result.f",
        );
        expectTaskError(
          await rejection(small.taskq.terminate(t.taskId, "p1", { result: "x".repeat(200) })),
          "too-large",
          "data-too-large",
          "result",
        );
        expect(await small.taskq.task(t.taskId)).toEqual(r);
      } finally {
        await small.cleanup();
      }
    });
  });

  describe("operator actions", () => {
    it("cancel: a running task's late outcome and keepalive are refused as task-cancelled and change nothing", async () => {
      const r = await running();
      const c = await taskq.cancelTask(r.taskId, "user left");
      expect(c).toMatchObject({ status: "cancelled", error: "user left", pid: null, leaseId: null, runAt: null });
      expectTaskError(
        await rejection(taskq.extendLease(r.taskId, "p1", { leaseId: r.leaseId! })),
        "conflict",
        "task-cancelled",
      );
      expectTaskError(
        await rejection(taskq.terminate(r.taskId, "p1", { leaseId: r.leaseId!, result: 1 })),
        "conflict",
        "task-cancelled",
      );
      const [w] = await taskq.applyWrites([{ op: "fail", taskId: r.taskId, pid: "p1", leaseId: r.leaseId! }]);
      expectTaskError(w.error, "conflict", "task-cancelled");
      expect(await taskq.task(r.taskId)).toEqual(c);
      // cancelled is its own status everywhere: filters and counts
      expect((await taskq.listTasks({ topic, status: "cancelled" })).data.map((t) => t.taskId)).toEqual([r.taskId]);
      expect(await taskq.countTasks({ topic, status: "failed" })).toBe(0);
      expect((await taskq.topicStats()).find((s) => s.topic === topic)!.counts.cancelled).toBe(1);
    });

    it("refuses what the status table does not allow, and an unknown task, changing nothing", async () => {
      const t = await taskq.createTask({ topic });
      const done = await taskq.terminate(t.taskId, "any");
      for (const action of ["cancelTask", "holdTask", "releaseTask", "retryTask"] as const) {
        expectTaskError(await rejection(taskq[action](done.taskId)), "conflict", "invalid-status-transition");
        expectTaskError(await rejection(taskq[action]("no-such-task")), "not-found", "task-not-found");
        expectTaskError(await rejection(taskq[action]("")), "bad-request", "invalid-task", "taskId");
      }
      expect(await taskq.task(t.taskId)).toEqual(done);
    });

    it("hold keeps a task from reservation until release; a held task cannot be finished by a worker", async () => {
      const t = await taskq.createTask({ topic });
      const held = await taskq.holdTask(t.taskId);
      expect(held).toMatchObject({ status: "held", runAt: null });
      expect(await taskq.reserveTask(topic, "p1")).toBeNull();
      expectTaskError(await rejection(taskq.terminate(t.taskId, "p1")), "conflict", "invalid-status-transition");
      const released = await taskq.releaseTask(t.taskId);
      expect(released).toMatchObject({ status: "starting" });
      expect((await taskq.reserveTask(topic, "p1"))!.taskId).toBe(t.taskId);
    });

    it("retryTask re-runs a failed task: same id, attempts afresh, history kept", async () => {
      const r = await running({ maxAttempts: 1 });
      await taskq.fail(r.taskId, "p1", "smtp down");
      const again = await taskq.retryTask(r.taskId);
      expect(again).toMatchObject({
        taskId: r.taskId,
        status: "starting",
        attempts: 1,
        failures: 0,
        error: "smtp down",
      });
      const r2 = (await taskq.reserveTask(topic, "p1"))!;
      expect(r2).toMatchObject({ taskId: r.taskId, attempts: 2 });
      await taskq.terminate(r2.taskId, "p1", { result: "sent" });
      const cancelled = await taskq.cancelTask((await taskq.createTask({ topic })).taskId);
      expect((await taskq.retryTask(cancelled.taskId)).status).toBe("starting");
    });

    it("pauseTopic stops reservation of the topic (and its waiters' looks), touching no task; resumeTopic restarts", async () => {
      const other = uniq("other");
      await taskq.createTasks([{ topic }, { topic: other }]);
      await taskq.pauseTopic(topic);
      await taskq.pauseTopic(topic); // idempotent
      expect(await taskq.reserveTask(topic, "p1")).toBeNull();
      expect(await taskq.reserveTasks(topic, "p1", 5)).toEqual([]);
      expect(await taskq.reserveTask(other, "p1")).not.toBeNull();
      // an idle waiter on a paused topic is not told a task is ready
      expect(await taskq.waitForTask(topic, { timeoutMs: 150 })).toBe(false);
      const stats = await taskq.topicStats();
      expect(stats.find((s) => s.topic === topic)).toMatchObject({ paused: true, counts: { starting: 1 } });
      expect(stats.find((s) => s.topic === other)!.paused).toBe(false);
      await taskq.resumeTopic(topic);
      expect(await taskq.reserveTask(topic, "p1")).not.toBeNull();
      expectTaskError(await rejection(taskq.pauseTopic("")), "bad-request", "invalid-task", "topic");
    });

    it("pruneTasks deletes finished tasks past the age, in batches, and nothing else", async () => {
      const defs = Array.from({ length: 25 }, () => ({ topic }));
      const made = await taskq.createTasks(defs);
      for (const t of made.slice(0, 20)) await taskq.terminate(t.taskId, "p");
      for (const t of made.slice(20, 23)) await taskq.fail(t.taskId, "p", "x");
      await taskq.cancelTask(made[23].taskId);
      // made[24] stays starting
      expect(await taskq.pruneTasks({ olderThanMs: 3_600_000, topic })).toBe(0); // none that old
      const last = Math.max(...(await taskq.listTasks({ topic }, { limit: 100 })).data.map((t) => t.updatedAt));
      await waitFor(() => Date.now() > last + 12, 5_000, "the finished tasks to be older than 10 ms");
      expect(await taskq.pruneTasks({ olderThanMs: 10, statuses: ["terminated"], batchSize: 7, topic })).toBe(20);
      expect(await taskq.countTasks({ topic })).toBe(5);
      expect(await taskq.pruneTasks({ olderThanMs: 0, topic })).toBe(4);
      expect((await taskq.listTasks({ topic })).data.map((t) => t.status)).toEqual(["starting"]);
      expectTaskError(
        await rejection(taskq.pruneTasks({ olderThanMs: -1, statuses: ["running" as never] })),
        "bad-request",
        "invalid-options",
      );
    });

    it("pruneTasks with no statuses deletes only finished tasks: old held, running, snoozed and starting ones stay", async () => {
      const held = await taskq.holdTask((await taskq.createTask({ topic })).taskId);
      const run = await running();
      const snoozed = await taskq.snooze((await running()).taskId, "p1", 60_000);
      await taskq.terminate((await running()).taskId, "p1");
      await taskq.fail((await running()).taskId, "p1", "x");
      await taskq.cancelTask((await taskq.createTask({ topic })).taskId);
      const starting = await taskq.createTask({ topic });
      const last = Math.max(...(await taskq.listTasks({ topic })).data.map((t) => t.updatedAt));
      await waitFor(() => Date.now() > last + 2, 5_000, "every task to be older than now");
      // the whole store, as an operator prunes it (on the shared server, only this test's topic)
      expect(await taskq.pruneTasks(target.shared ? { olderThanMs: 0, topic } : { olderThanMs: 0 })).toBe(3);
      const left = (await taskq.listTasks({ topic })).data;
      expect(left.map((t) => [t.status, t.taskId])).toEqual([
        ["starting", starting.taskId],
        ["running", run.taskId],
        ["snoozed", snoozed.taskId],
        ["held", held.taskId],
      ]);
    });
  });
}
