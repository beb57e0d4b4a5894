/**
 * Topic limits on every store target: a concurrency cap, a rate (GCRA, with
 * burst), limits per partition key, a `rateLimited()` back-off — each
 * enforced by the reservation statement itself — and what `topicStats` and
 * the page of topics show of them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { drain, ok, rateLimited, type Task, TaskError, type TaskQ, worker } from "../mod.ts";
import { listenerCount } from "../src/wakeups.ts";
import { rejection, TARGETS, uniq, waitFor } from "./helpers.ts";

for (const target of TARGETS) {
  describe(`topic limits (${target.name})`, () => {
    let q: TaskQ;
    let cleanup: () => Promise<void>;
    let topic: string;
    beforeEach(() => {
      ({ taskq: q, cleanup } = target.make({ leaseTimeMs: 60_000 }));
      topic = uniq("lim");
    });
    afterEach(() => cleanup());

    const fill = (n: number, extra: Record<string, unknown> = {}) =>
      q.createTasks(Array.from({ length: n }, (_, i) => ({ topic, data: i, ...extra })));
    const done = (t: Task) => q.terminate(t.taskId, t.pid!, { leaseId: t.leaseId! });

    it("concurrency caps running tasks; an end, or an expired lease, frees a slot", async () => {
      await fill(10);
      expect(await q.setTopicLimits(topic, { concurrency: 3 })).toEqual({ concurrency: 3 });
      expect(await q.topicLimits(topic)).toEqual({ concurrency: 3 });
      const first = await q.reserveTasks(topic, "w1", 10);
      expect(first.length).toBe(3);
      expect(await q.reserveTasks(topic, "w2", 10)).toEqual([]);
      expect(await q.reserveTask(topic, "w2")).toBeNull();
      await done(first[0]);
      expect((await q.reserveTasks(topic, "w2", 10)).length).toBe(1);
      // a lease that runs out gives its slot back (the task itself is reservable again)
      const short = await q.reserveTasks(topic, "w3", 10, { leaseTimeMs: 1 });
      expect(short).toEqual([]);
      await done(first[1]);
      const [lapsing] = await q.reserveTasks(topic, "w3", 1, { leaseTimeMs: 50 });
      expect(lapsing).toBeDefined();
      const again = await waitFor(
        async () => {
          const got = await q.reserveTasks(topic, "w4", 10);
          return got.length ? got : null;
        },
        10_000,
        "the lapsed lease's slot",
      );
      expect(again.length).toBe(1);
      // a cap raised at run time lets more go at once; null removes the limits
      await q.setTopicLimits(topic, { concurrency: 5 });
      expect((await q.reserveTasks(topic, "w5", 10)).length).toBe(2);
      expect(await q.setTopicLimits(topic, null)).toBeNull();
      expect(await q.topicLimits(topic)).toBeNull();
      expect((await q.reserveTasks(topic, "w5", 10)).length).toBe(3);
    });

    it("a rate lets burst + 1 go at once, then one per period / limit, the excess waiting", async () => {
      await fill(20);
      // one token a second: the empty answer below holds for a round trip that takes up to that (a loaded
      // CI machine on sqld); at 10 a second it had 100 ms
      await q.setTopicLimits(topic, { rate: { limit: 1, periodMs: 1000, burst: 2 } });
      expect((await q.reserveTasks(topic, "w", 20)).length).toBe(3);
      expect(await q.reserveTasks(topic, "w", 20)).toEqual([]);
      // the idle waiter is told when the next token comes (a second on), not at its deadline
      expect(await q.waitForTask(topic, { timeoutMs: 30_000 })).toBe(true);
      expect((await q.reserveTasks(topic, "w", 20)).length).toBeGreaterThanOrEqual(1);
      // nothing was dropped: every task is still there
      const counts = (await q.topicStats()).find((s) => s.topic === topic)!.counts;
      expect(counts.starting + counts.running).toBe(20);
    });

    it("partitioned limits hold per key: a saturated key does not hold the others up; a task without a key waits", async () => {
      await q.createTasks([
        ...Array.from({ length: 30 }, (_, i) => ({ topic, data: i, partitionKey: "big" })),
        ...Array.from({ length: 3 }, (_, i) => ({ topic, data: i, partitionKey: "small" })),
        { topic, data: -1 },
      ]);
      await q.setTopicLimits(topic, { concurrency: 2, partitioned: true });
      const got = await q.reserveTasks(topic, "w", 100);
      const byKey = (ts: Task[]) =>
        ts.reduce<Record<string, number>>((m, t) => {
          m[t.partitionKey ?? "none"] = (m[t.partitionKey ?? "none"] ?? 0) + 1;
          return m;
        }, {});
      expect(byKey(got)).toEqual({ big: 2, small: 2 });
      const stats = (await q.topicStats()).find((s) => s.topic === topic)!;
      expect(stats.limits).toEqual({ concurrency: 2, partitioned: true });
      expect(stats.running).toBe(4);
      expect(stats.heldBack).toBe(28 + 1 + 1); // big's rest, small's last, the task without a key
      await done(got.find((t) => t.partitionKey === "small")!);
      expect(byKey(await q.reserveTasks(topic, "w", 100))).toEqual({ small: 1 });
      // partitioning removed: the task without a key is reserved again
      await q.setTopicLimits(topic, { concurrency: 100 });
      expect(byKey(await q.reserveTasks(topic, "w", 100))).toEqual({ big: 28, none: 1 });
    });

    it("rateLimited() hands the task back without a failure and holds the topic; resumeTopic does not clear it", async () => {
      await fill(3);
      const seen: string[] = [];
      const w = worker({
        taskq: q,
        topic,
        concurrency: 1,
        pfn: (t) => {
          seen.push(t.taskId);
          return seen.length === 1 ? rateLimited(60_000) : ok();
        },
      });
      try {
        const first = await waitFor(async () => {
          const t = seen.length ? await q.task(seen[0]) : null;
          return t?.status === "snoozed" ? t : null;
        });
        expect(first.failures).toBe(0);
        await q.resumeTopic(topic);
        expect(await q.reserveTask(topic, "other")).toBeNull();
        const stats = (await q.topicStats()).find((s) => s.topic === topic)!;
        expect(stats.limits).toBeNull();
        expect(stats.heldBack).toBe(2);
        expect(seen.length).toBe(1);
      } finally {
        await w.stop();
      }
    });

    it("bad limits are refused, naming the field, and change nothing", async () => {
      await q.setTopicLimits(topic, { concurrency: 2 });
      for (
        const [limits, path] of [
          [{ concurrency: 0 }, "concurrency"],
          [{ concurrency: 1.5 }, "concurrency"],
          [{ rate: { limit: 10 } }, "rate.periodMs"],
          [{ rate: { limit: 10, periodMs: 1000, burst: -1 } }, "rate.burst"],
          [{ concurrency: 2, extra: 1 }, "extra"],
          [{}, "concurrency"],
          [{ partitioned: true }, "concurrency"],
        ] as const
      ) {
        const e = await rejection(q.setTopicLimits(topic, limits as never));
        expect(e).toBeInstanceOf(TaskError);
        expect(e.type).toBe("bad-request");
        expect(e.message).toContain(path);
      }
      expect(await q.topicLimits(topic)).toEqual({ concurrency: 2 });
      expect((await rejection(q.setTopicLimits("", { concurrency: 1 }))).message).toContain("topic");
      expect((await rejection(() => rateLimited(0))).code).toBe("invalid-outcome");
    });

    it("a drain of a saturated topic returns at once without taking anything", async () => {
      await fill(4);
      await q.setTopicLimits(topic, { concurrency: 1 });
      const [held] = await q.reserveTasks(topic, "elsewhere", 10);
      expect(held).toBeDefined();
      const r = await drain({ taskq: q, topic, pfn: () => ok() });
      expect(r.reserved).toBe(0);
      await done(held);
      expect((await drain({ taskq: q, topic, pfn: () => ok() })).reserved).toBe(3);
    });

    it("a worker idle at the cap is woken by an end in this process, not by its fallback poll", async () => {
      await fill(2);
      await q.setTopicLimits(topic, { concurrency: 1 });
      const [held] = await q.reserveTasks(topic, "elsewhere", 10);
      let ran = 0;
      const w = worker({ taskq: q, topic, maxPollIntervalMs: 60_000, pfn: () => (ran++, ok()) });
      try {
        // the worker looked once and waits (its topic is at its cap)
        await waitFor(() => listenerCount((q as unknown as { wakeKey: unknown }).wakeKey, topic) > 0);
        expect(ran).toBe(0);
        await done(held);
        await waitFor(() => ran === 1, 5_000, "the woken worker");
      } finally {
        await w.stop();
      }
    });
  });
}
