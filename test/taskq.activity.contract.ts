/**
 * The TaskQ contract of what the database counts per topic, run for every
 * target: each transition counted once in its minute (`activity()`), the
 * totals of `topicStats()` (which pruning does not lower), and the age of
 * the oldest ready task.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { TaskError, type TaskQ } from "../mod.ts";
import { rejection, type Target, uniq, waitFor } from "./contract-helpers.ts";

export function activityContract(target: Target) {
  let taskq: TaskQ;
  let cleanup: () => Promise<void>;
  let topic: string;

  beforeEach(() => {
    ({ taskq, cleanup } = target.make({ leaseTimeMs: 60_000, snoozeTimeMs: 60_000 }));
    topic = uniq("act");
  });
  afterEach(() => cleanup());

  const totals = async (t = topic) => (await taskq.topicStats()).find((s) => s.topic === t)?.totals;
  const summed = async (t = topic) => {
    const a = await taskq.activity({ topic: t });
    const sum = { completed: 0, failed: 0, retried: 0, snoozed: 0, cancelled: 0 };
    for (const m of a.minutes) {
      expect(m.topic).toBe(t);
      expect(m.minute % 60_000).toBe(0);
      expect(m.minute).toBeLessThanOrEqual(a.now);
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += m[k];
    }
    return sum;
  };

  it("counts each transition once: completed, failed, retried (outcome and expired lease), snoozed, cancelled", async () => {
    const [a, b, c, d, e, f] = await taskq.createTasks(
      Array.from({ length: 6 }, (_, i) => ({ topic, taskId: uniq(`t${i}`), maxAttempts: i === 2 ? 2 : undefined })),
    );
    const held = await taskq.reserveTasks(topic, "p1", 4);
    expect(held.map((t) => t.taskId).sort()).toEqual([a, b, c, d].map((t) => t.taskId).sort());
    await taskq.terminate(a.taskId, "p1");
    await taskq.fail(b.taskId, "p1", "final");
    await taskq.fail(c.taskId, "p1", "again later"); // attempts left: retried, back to starting
    await taskq.snooze(d.taskId, "p1", 60_000);
    await taskq.cancelTask(e.taskId, "not wanted");
    // an expired lease with attempts left: retried again, in the reservation that finds it
    const [expiring] = await taskq.reserveTasks(topic, "p2", 1, { leaseTimeMs: 20 });
    expect(expiring.taskId).toBe(f.taskId);
    await waitFor(async () => (await taskq.task(f.taskId))!.leaseExpiresAt! < Date.now() - 50, 10_000, "expiry");
    await waitFor(async () => (await taskq.reserveTasks(topic, "p3", 5)).some((t) => t.taskId === f.taskId), 10_000);

    const expected = { completed: 1, failed: 1, retried: 2, snoozed: 1, cancelled: 1 };
    expect(await summed()).toEqual(expected);
    expect(await totals()).toEqual(expected);
    // reading moves nothing, and refused transitions count nothing
    await rejection(taskq.terminate(a.taskId, "p1"));
    expect(await totals()).toEqual(expected);
  });

  it("pruning deletes tasks but not what they did; every topic's activity reads in one call", async () => {
    const t = await taskq.createTask({ topic });
    const done = await taskq.terminate(t.taskId, "nobody"); // a waiting task finished by hand
    // olderThanMs 0 prunes what is older than now: not a task updated in this very millisecond
    await waitFor(async () => (await taskq.activity()).now > done.updatedAt, 5_000, "the clock to pass its update");
    expect(await taskq.pruneTasks({ olderThanMs: 0, topic })).toBe(1);
    expect(await totals()).toEqual({ completed: 1, failed: 0, retried: 0, snoozed: 0, cancelled: 0 });
    const all = await taskq.activity();
    expect(all.minutes.filter((m) => m.topic === topic).map((m) => m.completed)).toEqual([1]);
  });

  it("the oldest ready task's age: null with none ready, then how long the first has waited (database clock)", async () => {
    await taskq.createTask({ topic, delayMs: 3_600_000 });
    const stats = async () => (await taskq.topicStats()).find((s) => s.topic === topic)!;
    expect((await stats()).oldestReadyAgeMs).toBeNull();
    const ready = await taskq.createTask({ topic, priority: 5 });
    const age = await waitFor(
      async () => {
        const a = (await stats()).oldestReadyAgeMs;
        return a !== null && a >= 50 ? a : null;
      },
      10_000,
      "an age",
    );
    const now = (await taskq.activity()).now;
    expect(age).toBeLessThanOrEqual(now - ready.createdAt + 5);
    await taskq.reserveTask(topic, "p1");
    expect((await stats()).oldestReadyAgeMs).toBeNull(); // running under a live lease, the other still delayed
    expect((await stats()).totals).toEqual({ completed: 0, failed: 0, retried: 0, snoozed: 0, cancelled: 0 });
  });

  it("refuses bad options by name", async () => {
    for (
      const [opts, path] of [[{ sinceMs: 0 }, "sinceMs"], [{ sinceMs: 3 * 86_400_000 }, "sinceMs"], [
        { topic: "" },
        "topic",
      ]] as const
    ) {
      const e = await rejection(taskq.activity(opts));
      expect(e).toBeInstanceOf(TaskError);
      expect((e as TaskError).issues?.map((i) => i.path)).toContain(path);
    }
  });
}
