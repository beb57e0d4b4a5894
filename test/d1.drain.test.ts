/**
 * D1 specifics on a real D1 binding (workerd through miniflare): `drain()`
 * under a query budget of 50 (Workers Free), counted at the binding itself,
 * not by the store; a new database opened by several stores at once;
 * schedules fired once per slot; topic limits across stores; flows; bulk creates
 * whose JSON passes D1's 2 MB per string; and
 * the failing commit: a binding whose writes are refused (instead of
 * committing) or whose answer is lost after the commit, and the store call
 * rejects with a store error, acknowledging nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTaskQ,
  d1,
  type D1DatabaseLike,
  type D1PreparedStatementLike,
  type D1ResultLike,
  drain,
  ok,
  TaskError,
  type TaskQ,
  TestClock,
  worker,
} from "../mod.ts";
import { sokkaRoutes } from "../src/http/mod.ts";
import { startD1 } from "./d1.ts";
import { uniq, waitFor } from "./helpers.ts";

let env: Awaited<ReturnType<typeof startD1>>;
beforeAll(async () => {
  env = await startD1();
});
afterAll(() => env?.dispose());

/** The binding, counting the queries it is sent: a statement each, a batch's each one. */
function counting(db: D1DatabaseLike): { db: D1DatabaseLike; queries(): number } {
  let n = 0;
  const wrap = (p: D1PreparedStatementLike): D1PreparedStatementLike => ({
    bind: (...v) => wrap(p.bind(...v)),
    all: () => (n++, p.all()),
    // the original, for the binding's own batch()
    [RAW]: p,
  } as D1PreparedStatementLike);
  return {
    db: {
      prepare: (sql) => wrap(db.prepare(sql)),
      batch: (ss) => ((n += ss.length), db.batch(ss.map((s) => (s as never)[RAW] ?? s))),
    },
    queries: () => n,
  };
}
const RAW = Symbol("raw statement");

describe("drain() under a query budget on D1", () => {
  it("a budget of 50: at most 50 queries reach D1, every task it took has its outcome, the next drain goes on", async () => {
    const topic = uniq("budget");
    const seed = createTaskQ({ driver: d1(env.db) });
    await seed.createTasks(Array.from({ length: 300 }, (_, i) => ({ topic, data: i })));
    const ran = new Map<number, number>();
    const pfn = (task: { data: unknown }) => {
      ran.set(task.data as number, (ran.get(task.data as number) ?? 0) + 1);
      return ok();
    };

    let done = 0;
    const runs: { queries: number; reserved: number }[] = [];
    // each drain is an invocation: its own store on the binding, as a Worker makes one per event
    while (done < 300 && runs.length < 40) {
      const c = counting(env.db);
      const taskq = createTaskQ({ driver: d1(c.db) });
      const r = await drain({ taskq, topic, concurrency: 8, pfn, maxQueries: 50, budgetMs: 20_000 });
      await taskq.close();
      expect(c.queries()).toBeLessThanOrEqual(50);
      expect(r.queries).toBe(c.queries()); // the store's count is the binding's
      expect(r.reserved).toBe(r.completed); // every task it took got its outcome
      expect(r.reserved).toBeGreaterThan(0); // and each drain got somewhere
      runs.push({ queries: c.queries(), reserved: r.reserved });
      done += r.completed;
    }
    expect(runs.length).toBeGreaterThan(1); // 300 tasks do not fit 50 queries: the next drains went on
    expect(await seed.countTasks({ topic, status: "terminated" })).toBe(300);
    expect([...ran.values()].every((n) => n === 1)).toBe(true);
    expect(ran.size).toBe(300);
    await seed.close();
  });

  it("refuses maxQueries on a store that does not count its statements, by name", async () => {
    const q = createTaskQ({ driver: d1(env.db) });
    const bare = { ...q, statementsSent: undefined, reserveTask: q.reserveTask.bind(q) } as unknown as TaskQ;
    const e = await drain({ taskq: bare, topic: "x", pfn: () => ok(), maxQueries: 10 }).catch((e) => e);
    expect(e).toBeInstanceOf(TaskError);
    expect((e as TaskError).message).toMatch(/maxQueries/);
    const bad = await drain({ taskq: q, topic: "x", pfn: () => ok(), maxQueries: 0 }).catch((e) => e);
    expect(bad).toBeInstanceOf(TaskError);
    expect((bad as TaskError).message).toMatch(/maxQueries/);
    await q.close();
  });
});

describe("the schema on a new D1 database", () => {
  it("stores opening it at once agree: each call succeeds, the schema is made once; a bad binding is refused by name", async () => {
    const fresh = await startD1();
    try {
      const stores = Array.from({ length: 4 }, () => createTaskQ({ driver: d1(fresh.db) }));
      const made = await Promise.all(stores.map((q, i) => q.createTask({ topic: "first", data: i })));
      expect(new Set(made.map((t) => t.taskId)).size).toBe(4);
      expect(await stores[0].countTasks({ topic: "first" })).toBe(4);
      expect(await stores[0].storeInfo()).toMatchObject({ driver: "d1" });
      await Promise.all(stores.map((q) => q.close()));
    } finally {
      await fresh.dispose();
    }
    const e = (() => {
      try {
        d1({} as D1DatabaseLike);
      } catch (e) {
        return e;
      }
    })();
    expect(e).toBeInstanceOf(TaskError);
    expect((e as TaskError).issues?.[0].path).toBe("db");
  });
});

describe("schedules on D1", () => {
  it("a due slot is fired once (a second firer finds it moved) and the drain that fires it runs its task", async () => {
    const topic = uniq("sched");
    const clock = new TestClock();
    const q = createTaskQ({ driver: d1(env.db), clock });
    clock.shift(-2 * 86_400_000);
    await q.schedule({ name: topic, cron: "@daily", topic, data: { n: 1 } });
    clock.reset();
    const [a, b] = await Promise.all([q.fireSchedules({ topics: [topic] }), q.fireSchedules({ topics: [topic] })]);
    expect(a.fired + b.fired).toBeGreaterThan(0);
    expect(await q.countTasks({ topic })).toBe(a.fired + b.fired);
    const again = await q.fireSchedules({ topics: [topic] });
    expect(again.fired).toBe(0);
    const r = await drain({ taskq: q, topic, pfn: () => ok(), maxQueries: 50 });
    expect(r.completed).toBe(a.fired + b.fired);
    await q.close();
  });
});

describe("topic limits on D1", () => {
  it("a concurrency of 2 holds across stores, per partition key when partitioned", async () => {
    const topic = uniq("lim");
    const a = createTaskQ({ driver: d1(env.db) });
    const b = createTaskQ({ driver: d1(env.db) });
    await a.setTopicLimits(topic, { concurrency: 2, rate: { limit: 100, periodMs: 1_000 } });
    await a.createTasks(Array.from({ length: 6 }, (_, i) => ({ topic, data: i })));
    const got = [...await a.reserveTasks(topic, "p1", 5), ...await b.reserveTasks(topic, "p2", 5)];
    expect(got.length).toBe(2);
    const keyed = uniq("plim");
    await a.setTopicLimits(keyed, { concurrency: 1, partitioned: true });
    await a.createTasks(Array.from({ length: 6 }, (_, i) => ({ topic: keyed, data: i, partitionKey: `k${i % 3}` })));
    const held = [...await a.reserveTasks(keyed, "p1", 6), ...await b.reserveTasks(keyed, "p2", 6)];
    expect(held.map((t) => t.partitionKey).sort()).toEqual(["k0", "k1", "k2"]);
    await a.close();
    await b.close();
  });
});

describe("flows on D1", () => {
  it("a dependant waits blocked until its dependency ends, then runs; refs in one createTasks call", async () => {
    const topic = uniq("flow");
    const q = createTaskQ({ driver: d1(env.db) });
    const made = await q.createTasks([
      { topic, ref: "first", data: 1 },
      { topic, dependsOn: [{ ref: "first" }], data: 2 },
    ]);
    expect(made.map((t) => t.status)).toEqual(["starting", "blocked"]);
    const order: number[] = [];
    await drain({ taskq: q, topic, pfn: (t) => (order.push(t.data as number), ok()), maxQueries: 50 });
    expect(order).toEqual([1, 2]);
    expect((await q.task(made[1].taskId))?.status).toBe("terminated");
    await q.close();
  });
});

describe("D1's 2 MB per string", () => {
  it("createTasks and concurrent createTask calls whose JSON passes 2 MB are split, and all land", async () => {
    const topic = uniq("big");
    const q = createTaskQ({ driver: d1(env.db) });
    const big = "é".repeat(200_000); // 400 KB of UTF-8 each, 12 of them: 4.8 MB
    const made = await q.createTasks(Array.from({ length: 12 }, (_, i) => ({ topic, data: { i, big } })));
    const full = await q.createTasks(Array.from({ length: 12 }, (_, i) => ({ topic, data: { i, big }, priority: 2 })));
    const lone = await Promise.all(Array.from({ length: 8 }, (_, i) => q.createTask({ topic, data: { i, big } })));
    expect(await q.countTasks({ topic })).toBe(made.length + full.length + lone.length);
    expect(((await q.task(made[11].taskId))?.data as { big: string }).big).toBe(big);
    await q.close();
  });
});

/** A binding whose writes fail: `instead` of committing (nothing runs), or `after` the commit (the answer is lost). */
function faulty(
  db: D1DatabaseLike,
  when: "instead" | "after",
): { db: D1DatabaseLike; arm(on: boolean): void; refused(): number } {
  let armed = false;
  let refused = 0;
  const isWrite = (sql: string) => /^\s*(INSERT|UPDATE|DELETE|WITH|REPLACE)/i.test(sql) && !/^\s*SELECT/i.test(sql);
  const fail = () => {
    refused++;
    throw new Error(
      when === "instead" ? "D1_ERROR: database or disk is full: SQLITE_FULL" : "D1_ERROR: Network connection lost.",
    );
  };
  const wrap = (p: D1PreparedStatementLike, sql: string): D1PreparedStatementLike => ({
    bind: (...v) => wrap(p.bind(...v), sql),
    all: async () => {
      if (!armed || !isWrite(sql)) return p.all();
      if (when === "instead") fail();
      await p.all();
      return fail();
    },
    [RAW]: p,
  } as D1PreparedStatementLike);
  return {
    db: {
      prepare: (sql) => wrap(db.prepare(sql), sql),
      batch: async (ss): Promise<D1ResultLike[]> => {
        const raw = ss.map((s) => (s as never)[RAW] ?? s);
        if (!armed) return db.batch(raw);
        if (when === "instead") fail();
        await db.batch(raw);
        return fail();
      },
    },
    arm: (on) => (armed = on),
    refused: () => refused,
  };
}

describe("a failing commit on D1 is never acknowledged", () => {
  for (const when of ["instead", "after"] as const) {
    it(`writes that fail ${when === "instead" ? "instead of committing" : "after committing"} reject with a store error`, async () => {
      const topic = uniq(`fault-${when}`);
      const f = faulty(env.db, when);
      const q = createTaskQ({ driver: d1(f.db) });
      const check = createTaskQ({ driver: d1(env.db) });
      const seeded = await q.createTasks(Array.from({ length: 6 }, (_, i) => ({ topic, taskId: `${topic}-${i}` })));
      const r = await q.reserveTasks(topic, "p", 3);
      f.arm(true);
      const id = (i: number) => `${topic}-${i}`;
      const calls: [string, () => Promise<unknown>, () => Promise<boolean>][] = [
        [
          "createTask",
          () => q.createTask({ topic, taskId: `${topic}-new` }),
          async () => !!(await check.task(`${topic}-new`)),
        ],
        [
          "createTasks",
          () => q.createTasks([{ topic, taskId: `${topic}-m1` }, { topic, taskId: `${topic}-m2` }]),
          async () => !!(await check.task(`${topic}-m1`)),
        ],
        [
          "reserveTask",
          () => q.reserveTask(topic, "p2"),
          async () => (await check.countTasks({ topic, status: "running" })) > 3,
        ],
        [
          "terminate",
          () => q.terminate(r[0].taskId, "p", { leaseId: r[0].leaseId! }),
          async () => (await check.task(r[0].taskId))?.status === "terminated",
        ],
        [
          "fail",
          () => q.fail(r[1].taskId, "p", "boom", { leaseId: r[1].leaseId! }),
          async () => (await check.task(r[1].taskId))?.status !== "running",
        ],
        [
          "snooze",
          () => q.snooze(r[2].taskId, "p", 60_000, { leaseId: r[2].leaseId! }),
          async () => (await check.task(r[2].taskId))?.status !== "running",
        ],
        ["cancelTask", () => q.cancelTask(id(5)), async () => (await check.task(id(5)))?.status === "cancelled"],
        [
          "pauseTopic",
          () => q.pauseTopic(topic),
          async () => !!(await check.topicStats()).find((s) => s.topic === topic)?.paused,
        ],
        [
          "POST /tasks",
          async () => {
            const res = await sokkaRoutes({ taskq: q }).request("/tasks", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ topic, taskId: `${topic}-http` }),
            });
            if (res.status >= 300) throw Object.assign(new Error(await res.text()), { status: res.status });
          },
          async () => !!(await check.task(`${topic}-http`)),
        ],
      ];
      for (const [name, call, landed] of calls) {
        const e = await call().then(() => null, (e) => e);
        expect({ name, acknowledged: e === null }).toEqual({ name, acknowledged: false });
        if (e instanceof TaskError) {
          expect({ name, type: e.type, message: e.message }).toMatchObject({ name, type: "unavailable" });
        } else expect((e as { status: number }).status).toBe(503);
        // refused instead of committing: nothing of it is there; lost after the commit: it is (and was not acknowledged)
        expect({ name, landed: await landed() }).toEqual({ name, landed: when === "after" });
      }
      f.arm(false);
      expect(seeded.length).toBe(6);
      await q.close();
      await check.close();
    });
  }

  it("a worker's outcomes that fail to commit are not reported done; the tasks run again once D1 answers", async () => {
    const topic = uniq("fault-worker");
    const f = faulty(env.db, "instead");
    const q = createTaskQ({ driver: d1(f.db), leaseTimeMs: 1_000 });
    const check = createTaskQ({ driver: d1(env.db) });
    await q.createTasks(Array.from({ length: 4 }, (_, i) => ({ topic, data: i })));
    const runs = new Map<number, number>();
    let armedRuns = 0;
    let armed = true;
    f.arm(false);
    const w = worker({
      taskq: q,
      topic,
      concurrency: 4,
      keepaliveMs: 300,
      pfn: (task) => {
        runs.set(task.data as number, (runs.get(task.data as number) ?? 0) + 1);
        if (armed) {
          armedRuns++;
          f.arm(true); // the outcome write of this run fails
        }
        return ok();
      },
    });
    await waitFor(() => armedRuns >= 1 && f.refused() >= 2, 20_000); // outcome writes were refused, more than once
    expect(await check.countTasks({ topic, status: "terminated" })).toBe(0);
    armed = false;
    f.arm(false);
    await waitFor(async () => (await check.countTasks({ topic, status: "terminated" })) === 4, 30_000);
    await w.stop();
    expect([...runs.keys()].sort()).toEqual([0, 1, 2, 3]);
    await q.close();
    await check.close();
  });
});
