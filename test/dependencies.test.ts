/**
 * Dependencies and group follow-ups on every store target: a dependant waits
 * `blocked` until its dependencies end, then starts — or ends as its
 * `onDependencyFailure` says, through every level, in the transaction of the
 * dependency's own ending — and a re-run re-arms what an ending ended.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ok, TaskError, type TaskQ, worker } from "../mod.ts";
import { rejection, TARGETS, uniq, waitFor } from "./helpers.ts";
import { endTask, pruneNow, statusOf } from "./flow-steps.ts";

for (const target of TARGETS) {
  describe(`dependencies (${target.name})`, () => {
    let q: TaskQ;
    let cleanup: () => Promise<void>;
    let topic: string;
    beforeEach(() => {
      ({ taskq: q, cleanup } = target.make({ leaseTimeMs: 60_000 }));
      topic = uniq("deps");
    });
    afterEach(() => cleanup());

    const end = (taskId: string, how: "ok" | "fail" | "cancel") => endTask(q, taskId, how);
    const status = (id: string) => statusOf(q, id);

    it("a dependant waits blocked, never reservable, and starts in the transaction of its last dependency's end", async () => {
      const a = await q.createTask({ topic: uniq("a") });
      const b = await q.createTask({ topic: uniq("b") });
      const d = await q.createTask({ topic, dependsOn: [a.taskId, b.taskId], data: { n: 1 } });
      expect(d).toMatchObject({
        status: "blocked",
        runAt: null,
        onDependencyFailure: "fail",
        dependsOn: [{ taskId: a.taskId, status: "starting" }, { taskId: b.taskId, status: "starting" }],
      });
      expect(await q.reserveTask(topic, "w")).toBeNull();
      await end(a.taskId, "ok");
      expect(await status(d.taskId)).toBe("blocked");
      await end(b.taskId, "ok");
      const started = (await q.task(d.taskId))!;
      expect(started.status).toBe("starting");
      expect(started.dependsOn.map((x) => x.status)).toEqual(["terminated", "terminated"]);
      expect((await q.reserveTask(topic, "w"))?.taskId).toBe(d.taskId);
      // their results, a page at a time
      const page = await q.dependencies(d.taskId, { limit: 1 });
      expect(page.data.length).toBe(1);
      const next = await q.dependencies(d.taskId, { limit: 1, cursor: page.cursor });
      expect(
        [...page.data, ...next.data].map((t) => t.result).sort((x, y) =>
          JSON.stringify(x) < JSON.stringify(y) ? -1 : 1
        ),
      )
        .toEqual(
          [{ from: a.taskId }, { from: b.taskId }].sort((x, y) => JSON.stringify(x) < JSON.stringify(y) ? -1 : 1),
        );
      expect(next.cursor).toBeNull();
      expect((await q.dependants(a.taskId)).data.map((t) => t.taskId)).toEqual([d.taskId]);
    });

    it("a failed dependency fails its dependants through every level; run and cancel as chosen", async () => {
      const a = await q.createTask({ topic: uniq("a") });
      const b = await q.createTask({ topic: uniq("b"), dependsOn: [a.taskId] });
      const c = await q.createTask({ topic: uniq("c"), dependsOn: [b.taskId] });
      const cancel = await q.createTask({ topic: uniq("x"), dependsOn: [b.taskId], onDependencyFailure: "cancel" });
      const run = await q.createTask({ topic, dependsOn: [c.taskId], onDependencyFailure: "run" });
      await end(a.taskId, "fail");
      expect(await q.task(b.taskId)).toMatchObject({ status: "failed", error: `dependency ${a.taskId} ended failed` });
      expect(await status(c.taskId)).toBe("failed");
      expect(await status(cancel.taskId)).toBe("cancelled");
      // "run": its only dependency ended (failed): it starts
      expect(await status(run.taskId)).toBe("starting");
    });

    it("a re-run of the failed dependency re-arms what its failure ended, through every level", async () => {
      const a = await q.createTask({ topic: uniq("a"), maxAttempts: 1 });
      const b = await q.createTask({ topic: uniq("b"), dependsOn: [a.taskId] });
      const c = await q.createTask({ topic: uniq("c"), dependsOn: [b.taskId] });
      await end(a.taskId, "fail");
      expect([await status(b.taskId), await status(c.taskId)]).toEqual(["failed", "failed"]);
      const again = await q.retryTask(a.taskId);
      expect(again.status).toBe("starting");
      expect([await status(b.taskId), await status(c.taskId)]).toEqual(["blocked", "blocked"]);
      await end(a.taskId, "ok");
      expect(await status(b.taskId)).toBe("starting");
      await end(b.taskId, "ok");
      expect(await status(c.taskId)).toBe("starting");
    });

    it("a re-run dependant waits again while a dependency is not terminated", async () => {
      const a = await q.createTask({ topic: uniq("a") });
      const d = await q.createTask({ topic, dependsOn: [a.taskId] });
      await q.cancelTask(d.taskId, "changed my mind");
      expect((await q.retryTask(d.taskId)).status).toBe("blocked");
      await end(a.taskId, "fail"); // fails it again
      expect(await status(d.taskId)).toBe("failed");
      // re-run while its dependency is still failed: it waits for that one's re-run
      expect((await q.retryTask(d.taskId)).status).toBe("blocked");
      await q.retryTask(a.taskId);
      await end(a.taskId, "ok");
      expect(await status(d.taskId)).toBe("starting");
    });

    it("cancelling a blocked dependant cancels its own dependants, not its dependencies", async () => {
      const a = await q.createTask({ topic: uniq("a") });
      const b = await q.createTask({ topic: uniq("b"), dependsOn: [a.taskId] });
      const c = await q.createTask({ topic: uniq("c"), dependsOn: [b.taskId], onDependencyFailure: "cancel" });
      await q.cancelTask(b.taskId, "no");
      expect([await status(a.taskId), await status(c.taskId)]).toEqual(["starting", "cancelled"]);
    });

    it("a dependency that already ended decides at create", async () => {
      const ok = await q.createTask({ topic: uniq("a") });
      await end(ok.taskId, "ok");
      expect((await q.createTask({ topic, dependsOn: [ok.taskId] })).status).toBe("starting");
      const bad = await q.createTask({ topic: uniq("b") });
      await end(bad.taskId, "cancel");
      expect(await q.createTask({ topic, dependsOn: [bad.taskId] })).toMatchObject({
        status: "failed",
        error: `dependency ${bad.taskId} ended cancelled`,
      });
      expect((await q.createTask({ topic, dependsOn: [bad.taskId], onDependencyFailure: "run" })).status).toBe(
        "starting",
      );
    });

    it("refuses missing ids, itself, repeats and more than 100, writing nothing", async () => {
      const a = await q.createTask({ topic });
      const before = await q.countTasks({ topic });
      const missing = await rejection(q.createTask({ topic, dependsOn: [a.taskId, "no-such-task"] }));
      expect(missing).toBeInstanceOf(TaskError);
      expect([missing.code, missing.issues]).toEqual([
        "invalid-task",
        [{ path: "dependsOn.1", message: expect.stringMatching(/no-such-task, which does not exist/) }],
      ]);
      const self = await rejection(q.createTask({ topic, taskId: uniq("me"), dependsOn: ["x"] }));
      expect(self.code).toBe("invalid-task");
      const me = uniq("me");
      expect((await rejection(q.createTask({ topic, taskId: me, dependsOn: [me] }))).issues[0].path).toBe(
        "dependsOn.0",
      );
      expect((await rejection(q.createTask({ topic, dependsOn: [a.taskId, a.taskId] }))).issues[0].path).toBe(
        "dependsOn.1",
      );
      const many = Array.from({ length: 101 }, (_, i) => `t${i}`);
      expect((await rejection(q.createTask({ topic, dependsOn: many }))).issues[0].path).toBe("dependsOn");
      expect(await q.countTasks({ topic })).toBe(before);
    });

    it("a flow in one call: refs in any order, a cycle refused naming it, nothing written", async () => {
      const tasks = await q.createTasks([
        { topic, ref: "report", dependsOn: [{ ref: "fetch" }, { ref: "parse" }] },
        { topic, ref: "parse", dependsOn: [{ ref: "fetch" }] },
        { topic, ref: "fetch" },
      ]);
      expect(tasks.map((t) => t.status)).toEqual(["blocked", "blocked", "starting"]);
      expect(tasks[0].dependsOn.map((d) => d.taskId)).toEqual([tasks[2].taskId, tasks[1].taskId]);
      const before = await q.countTasks({ topic });
      const cycle = await rejection(q.createTasks([
        { topic, ref: "a", dependsOn: [{ ref: "c" }] },
        { topic, ref: "b", dependsOn: [{ ref: "a" }] },
        { topic, ref: "c", dependsOn: [{ ref: "b" }] },
      ]));
      expect(cycle.code).toBe("invalid-task");
      expect(cycle.message).toMatch(/makes a cycle/);
      expect(await q.countTasks({ topic })).toBe(before);
    });

    it("a sealed group's follow-up is made once and starts once every task of the group has ended", async () => {
      const g = uniq("g");
      const members = await q.createTasks([0, 1, 2].map(() => ({ topic: uniq("m"), taskGroupId: g })));
      const first = await q.sealGroup(g, { topic, data: { report: g } });
      expect(first).toMatchObject({ deduplicated: false, task: { status: "blocked", followUpOf: g, dependsOn: [] } });
      const again = await q.sealGroup(g, { topic });
      expect(again).toMatchObject({ deduplicated: true, task: { taskId: first.task.taskId } });
      expect((await q.groupFollowUp(g))?.taskId).toBe(first.task.taskId);
      await end(members[0].taskId, "ok");
      await end(members[1].taskId, "fail");
      expect(await status(first.task.taskId)).toBe("blocked");
      await end(members[2].taskId, "cancel");
      expect(await status(first.task.taskId)).toBe("starting"); // "run" by default: whatever the outcomes
      expect((await q.dependencies(first.task.taskId)).data.length).toBe(3);
      const none = await rejection(q.sealGroup(uniq("empty"), { topic }));
      expect([none.type, none.code]).toEqual(["not-found", "group-not-found"]);
    });
  });

  describe(`pruning and dependencies (${target.name})`, () => {
    it("a pruned dependency shows as null on its dependant; a pruned follow-up unseals its group", async () => {
      const { taskq: q, cleanup } = target.make();
      try {
        const topic = uniq("prune");
        const g = uniq("g");
        const [a] = await q.createTasks([{ topic, taskGroupId: g }]);
        const d = await q.createTask({ topic: uniq("d"), dependsOn: [a.taskId], onDependencyFailure: "run" });
        const fu = await q.sealGroup(g, { topic: uniq("f") });
        await q.cancelTask(a.taskId);
        await q.cancelTask(fu.task.taskId);
        expect((await q.task(d.taskId))!.status).toBe("starting");
        // updated before now (a prune of age 0 passes over a task of this very millisecond)
        const pruned = (t: { taskId: string; topic: string }) => pruneNow(q, t, ["cancelled"]);
        await pruned(a);
        expect((await q.task(d.taskId))!.dependsOn).toEqual([{ taskId: a.taskId, status: null }]);
        expect((await q.dependencies(d.taskId)).data).toEqual([]);
        await pruned(fu.task);
        expect(await q.groupFollowUp(g)).toBeNull();
      } finally {
        await cleanup();
      }
    });
  });

  describe(`unique tasks (${target.name})`, () => {
    let q: TaskQ;
    let cleanup: () => Promise<void>;
    let topic: string;
    beforeEach(() => {
      ({ taskq: q, cleanup } = target.make({ leaseTimeMs: 60_000 }));
      topic = uniq("uniq");
    });
    afterEach(() => cleanup());

    it("active (default): one task per key until it ends; the duplicate answers with the holder", async () => {
      const first = await q.enqueue({ topic, uniqueKey: "k", data: 1 });
      expect(first.deduplicated).toBe(false);
      expect(first.task).toMatchObject({ uniqueKey: "k", unique: "active" });
      const dup = await q.enqueue({ topic, uniqueKey: "k", data: 2 });
      expect(dup).toMatchObject({ deduplicated: true, task: { taskId: first.task.taskId, data: 1 } });
      expect((await q.createTask({ topic, uniqueKey: "k" })).taskId).toBe(first.task.taskId);
      // another topic has its own keys
      expect((await q.enqueue({ topic: uniq("other"), uniqueKey: "k" })).deduplicated).toBe(false);
      await q.reserveTask(topic, "w");
      expect((await q.enqueue({ topic, uniqueKey: "k" })).deduplicated).toBe(true); // running still holds it
      await q.fail(first.task.taskId, "w", "x");
      const next = await q.enqueue({ topic, uniqueKey: "k" });
      expect(next.deduplicated).toBe(false);
      // a re-run while another holds the key is refused
      const e = await rejection(q.retryTask(first.task.taskId));
      expect([e.code, e.details.taskId]).toEqual(["unique-key-held", next.task.taskId]);
      expect((await q.task(first.task.taskId))!.status).toBe("failed");
      await q.cancelTask(next.task.taskId);
      expect((await q.retryTask(first.task.taskId)).status).toBe("starting");
    });

    it("queued: a running task no longer holds its key", async () => {
      const first = await q.enqueue({ topic, uniqueKey: "k", unique: "queued" });
      expect((await q.enqueue({ topic, uniqueKey: "k", unique: "queued" })).deduplicated).toBe(true);
      await q.reserveTask(topic, "w");
      expect((await q.enqueue({ topic, uniqueKey: "k", unique: "queued" })).deduplicated).toBe(false);
      await q.fail(first.task.taskId, "w", "x", { retry: { maxAttempts: 3, backoff: { type: "fixed", delayMs: 0 } } });
      expect(await q.countTasks({ topic })).toBe(2); // its retry does not take the key back
    });

    it("period: one per window, whatever its status", async () => {
      const first = await q.enqueue({ topic, uniqueKey: "k", unique: { periodMs: 3_600_000 } });
      await q.cancelTask(first.task.taskId);
      const second = await q.enqueue({ topic, uniqueKey: "k", unique: { periodMs: 3_600_000 } });
      // one-hour windows: the second create is in the first's window unless the hour turned in between
      if (Math.floor(first.task.createdAt / 3_600_000) === Math.floor(second.task.createdAt / 3_600_000)) {
        expect(second).toMatchObject({ deduplicated: true, task: { taskId: first.task.taskId } });
      }
      const short = await q.enqueue({ topic, uniqueKey: "s", unique: { periodMs: 1 } });
      await new Promise((r) => setTimeout(r, 5));
      expect((await q.enqueue({ topic, uniqueKey: "s", unique: { periodMs: 1 } })).task.taskId).not.toBe(
        short.task.taskId,
      );
    });

    it("debounce: a duplicate replaces the data and pushes the run time, never past maxWaitMs", async () => {
      const unique = { debounceMs: 60_000, maxWaitMs: 90_000 };
      const first = await q.enqueue({ topic, uniqueKey: "k", unique, data: 1 });
      expect(first.task.runAt).toBe(first.task.createdAt + 60_000);
      await new Promise((r) => setTimeout(r, 5));
      const dup = await q.enqueue({ topic, uniqueKey: "k", unique, data: 2 });
      expect(dup.deduplicated).toBe(true);
      expect(dup.task).toMatchObject({ taskId: first.task.taskId, data: 2, recordVer: 2 });
      expect(dup.task.runAt!).toBeGreaterThan(first.task.runAt!);
      expect(dup.task.runAt!).toBeLessThanOrEqual(first.task.createdAt + 90_000);
    });

    it("onDuplicate: error rejects with the holder, writing nothing", async () => {
      const first = await q.createTask({ topic, uniqueKey: "k" });
      const e = await rejection(q.createTask({ topic, uniqueKey: "k", onDuplicate: "error" }));
      expect(e).toBeInstanceOf(TaskError);
      expect([e.type, e.code, e.details.taskId]).toEqual(["conflict", "duplicate-task", first.taskId]);
      expect(await q.countTasks({ topic })).toBe(1);
    });

    it("createTasks: duplicates in the call and against the store are deduplicated, counted by enqueueMany", async () => {
      await q.createTask({ topic, uniqueKey: "a" });
      const r = await q.enqueueMany([
        { topic, uniqueKey: "a" },
        { topic, uniqueKey: "b" },
        { topic, uniqueKey: "b" },
        { topic },
      ]);
      expect(r.deduplicated).toEqual([0, 2]);
      expect(r.tasks[2].taskId).toBe(r.tasks[1].taskId);
      expect(await q.countTasks({ topic })).toBe(3);
    });
  });
}

describe("in-process wake-ups of dependants", () => {
  for (const target of TARGETS.filter((t) => t.name === ":memory:" || t.name === "file:")) {
    it(`a waiter on the dependant's topic is woken by the dependency's end, not by its timeout (${target.name})`, async () => {
      const { taskq: q, cleanup } = target.make();
      try {
        const [ta, tb] = [uniq("a"), uniq("b")];
        const [a, b] = await q.createTasks([{ topic: ta, ref: "a" }, { topic: tb, dependsOn: [{ ref: "a" }] }]);
        expect(b.status).toBe("blocked");
        // nothing of tb is due: only an announcement ends this wait before its timeout (false)
        const woken = q.waitForTask(tb, { timeoutMs: 30_000 });
        const r = (await q.reserveTask(ta, "w"))!;
        await q.terminate(a.taskId, "w", { leaseId: r.leaseId! });
        expect(await woken).toBe(true);
        expect((await q.reserveTask(tb, "w"))?.taskId).toBe(b.taskId);
      } finally {
        await cleanup();
      }
    });

    it(`workers run a flow across topics in order (${target.name})`, async () => {
      const { taskq: q, cleanup } = target.make();
      const [ta, tb] = [uniq("a"), uniq("b")];
      const ran: string[] = [];
      const workers = [ta, tb].map((topic) => worker({ taskq: q, topic, pfn: (t) => (ran.push(t.topic), ok()) }));
      try {
        const [, b] = await q.createTasks([{ topic: ta, ref: "a" }, { topic: tb, dependsOn: [{ ref: "a" }] }]);
        await waitFor(async () => (await q.task(b.taskId))!.status === "terminated", 10_000, "the dependant to run");
        expect(ran).toEqual([ta, tb]);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await cleanup();
      }
    });
  }
});
