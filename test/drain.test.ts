/**
 * drain(): the bounded one-shot run — stops when the topic is empty, at
 * maxTasks, and at the budget. Run on a `file:` database and on a real libSQL
 * server through `@libsql/client/web` (how an edge cron drains).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTaskQ, drain, failed, ok, snoozed, type TaskQ } from "../mod.ts";
import { remoteTaskQ, tempDbUrl, uniq } from "./helpers.ts";

const STORES = {
  "file:": () => {
    const db = tempDbUrl();
    const taskq = createTaskQ({ url: db.url });
    return { taskq, cleanup: async () => (await taskq.close(), db.cleanup()) };
  },
  "remote (sqld over HTTP, @libsql/client/web)": () => remoteTaskQ(),
};

describe.each(Object.entries(STORES))("drain on %s", (_name, make) => {
  let store: { taskq: TaskQ; cleanup(): Promise<void> };
  let taskq: TaskQ;
  let topic: string;
  beforeEach(() => {
    store = make();
    taskq = store.taskq;
    topic = uniq("drain"); // the remote database is shared by every test
  });
  afterEach(() => store.cleanup());

  const count = async (status: string) =>
    (await taskq.listTasks({ topic, status: status as never }, { limit: 1000 })).data.length;

  it("stops when the topic is empty and reports what it did", async () => {
    await taskq.createTasks(["ok", "ok", "fail", "snooze", "ok"].map((data) => ({ topic, data })));
    const r = await drain({
      taskq,
      topic,
      concurrency: 2,
      pfn: (task) => task.data === "fail" ? failed({ errorMessage: "x" }) : task.data === "snooze" ? snoozed() : ok(),
    });
    expect(r).toMatchObject({ reserved: 5, completed: 3, failed: 1, snoozed: 1, lost: 0 });
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(await count("starting")).toBe(0);
    const again = await drain({ taskq, topic, pfn: () => ok() });
    expect(again.reserved).toBe(0); // the snoozed task is not due yet
  });

  it("stops at maxTasks and leaves the rest untouched", async () => {
    await taskq.createTasks(Array.from({ length: 10 }, () => ({ topic })));
    const r = await drain({ taskq, topic, concurrency: 4, maxTasks: 3, pfn: () => ok() });
    expect(r).toMatchObject({ reserved: 3, completed: 3 });
    expect(await count("terminated")).toBe(3);
    const rest = (await taskq.listTasks({ topic, status: "starting" })).data;
    expect(rest.length).toBe(7);
    expect(rest.every((t) => t.attempts === 0)).toBe(true);
  });

  it("stops at the budget: never starts a task whose timeout does not fit in what is left", async () => {
    await taskq.createTasks(Array.from({ length: 20 }, () => ({ topic })));
    // each task takes at least 100 ms; a task starts only with ≥ 200 ms (its timeout) of the 1,000 ms budget left
    const r = await drain({
      taskq,
      topic,
      budgetMs: 1000,
      timeoutMs: 200,
      pfn: async () => {
        await new Promise((res) => setTimeout(res, 100));
        return ok();
      },
    });
    expect(r.reserved).toBeGreaterThanOrEqual(1);
    expect(r.reserved).toBeLessThanOrEqual(8); // (1000 - 200) / 100
    expect(r.completed).toBe(r.reserved);
    expect(await count("starting")).toBe(20 - r.reserved);
  });

  it("hands back a task whose own timeout exceeds the budget instead of starting it", async () => {
    const long = await taskq.createTask({ topic, timeoutMs: 60_000 });
    let ran = 0;
    const r = await drain({ taskq, topic, budgetMs: 5000, pfn: () => (ran++, ok()) });
    expect(ran).toBe(0);
    expect(r.reserved).toBe(0);
    expect((await taskq.task(long.taskId))!.status).toBe("starting");
  });

  it.each([1, 4])(
    "a task too long for the budget is reserved and handed back once per drain, and the tasks behind it still run (concurrency %i)",
    async (concurrency) => {
      const long = await taskq.createTask({ topic, timeoutMs: 60_000, maxAttempts: 2, priority: -1 });
      await taskq.createTasks(Array.from({ length: 5 }, (_, i) => ({ topic, data: i })));
      const ran: unknown[] = [];
      for (const round of [1, 2]) {
        const r = await drain({ taskq, topic, concurrency, budgetMs: 5000, pfn: (t) => (ran.push(t.data), ok()) });
        expect(r).toMatchObject({ reserved: round === 1 ? 5 : 0, completed: round === 1 ? 5 : 0, tooLong: 1 });
        expect(r.ms).toBeLessThan(5000); // it ended when the topic had nothing else, not at the budget
        const t = (await taskq.task(long.taskId))!;
        expect(t.status).toBe("starting");
        expect(t.attempts).toBe(round); // reserved once per drain, not once per turn of its loop
        expect(t.failures).toBe(0);
        expect(t.recordVer).toBe(long.recordVer + 2 * round); // its reservation and its hand-back, nothing else
      }
      expect(ran.sort()).toEqual([0, 1, 2, 3, 4]);
    },
  );

  it("beside a task passed over as too long, a drain waits for a slot rather than reserving in a loop", async () => {
    await taskq.createTask({ topic, timeoutMs: 60_000, priority: -1 });
    await taskq.createTasks([{ topic, data: "slow" }, { topic, data: "quick" }]);
    let reservations = 0;
    const counted = new Proxy(taskq, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target);
        if (key === "reserveTasks" || key === "reserveTask") {
          return (...args: unknown[]) => (reservations++, (value as (...a: unknown[]) => unknown).apply(target, args));
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const r = await drain({
      taskq: counted,
      topic,
      concurrency: 4,
      budgetMs: 5000,
      pfn: async (t) => (t.data === "slow" && await new Promise((res) => setTimeout(res, 300)), ok()),
    });
    expect(r).toMatchObject({ reserved: 2, completed: 2, tooLong: 1 });
    // one that took all three, one after the quick task's slot freed, one after the slow one's
    expect(reservations).toBeLessThanOrEqual(4);
  });

  it("an aborted signal ends the drain and hands running tasks back", async () => {
    await taskq.createTasks(Array.from({ length: 3 }, () => ({ topic })));
    const ac = new AbortController();
    const r = await drain({
      taskq,
      topic,
      concurrency: 3,
      signal: ac.signal,
      pfn: () => {
        ac.abort();
        return new Promise(() => {});
      },
    });
    expect(r.completed).toBe(0);
    expect(r.lost).toBe(3);
    expect(await count("starting")).toBe(3);
  });

  it("closing the store ends the drain: running tasks are handed back, nothing hangs", async () => {
    await taskq.createTasks(Array.from({ length: 3 }, () => ({ topic })));
    let started = 0;
    const r = await drain({
      taskq,
      topic,
      concurrency: 3,
      pfn: () => {
        if (++started === 3) void taskq.close();
        return new Promise(() => {});
      },
    });
    expect(r).toMatchObject({ reserved: 3, completed: 0, lost: 3 });
  });
});
