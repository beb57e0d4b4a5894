/**
 * A hostile review of the worker's guarantees (2026-12-06) found these: two
 * writes to one task in one `applyWrites` call ran out of order, a refused
 * `holdTopic` snooze still held its topic, the database's triggers missed a
 * `TestClock`'s offset (or kept the offset of the day they were created, in
 * the file), and a 1 ms lease was taken with a keepalive that could never
 * renew it. Each test failed before its fix.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTaskQ, drain, ok, type Task, type TaskQ, TestClock, worker } from "../mod.ts";
import { rawDb, rejection, tempDbUrl, uniq } from "./helpers.ts";

describe("review45: writes of one call run in the call's order for each task", () => {
  let q: TaskQ;
  afterEach(() => q.close());

  /** Two tasks reserved by "w", and the claim of each (its id, pid and lease). */
  async function twoRunning() {
    q = createTaskQ({ url: ":memory:" });
    const topic = uniq("order");
    await q.createTasks([{ topic, data: "a" }, { topic, data: "b" }]);
    const [a, b] = await q.reserveTasks(topic, "w", 2);
    const claim = (t: Task) => ({ taskId: t.taskId, pid: "w", leaseId: t.leaseId! });
    return { a: claim(a), b: claim(b) };
  }

  it("a snooze after a terminate of the same task sees the terminate (refused), and the terminate stands", async () => {
    const { a, b } = await twoRunning();
    const results = await q.applyWrites([
      { op: "snooze", ...a, snoozeTime: 60_000 },
      { op: "terminate", ...b, result: "done" },
      { op: "snooze", ...b, snoozeTime: 60_000 },
    ]);
    expect(results.map((r) => (r.task ? r.task.status : r.error.code))).toEqual([
      "snoozed",
      "terminated",
      "invalid-status-transition",
    ]);
    const final = (await q.task(b.taskId))!;
    expect([final.status, final.result]).toEqual(["terminated", "done"]);
  });

  it("a fail sent after a terminate of the same task is refused, not applied over it", async () => {
    const { a, b } = await twoRunning();
    const results = await q.applyWrites([
      { op: "fail", ...a, error: "a failed" },
      { op: "terminate", ...b },
      { op: "fail", ...b, error: "late duplicate, must be refused" },
    ]);
    expect(results.map((r) => r.task !== undefined)).toEqual([true, true, false]);
    expect((await q.task(b.taskId))!.status).toBe("terminated");
  });

  it("a holdTopic snooze refused because an earlier write of the call ended its task holds nothing", async () => {
    q = createTaskQ({ url: ":memory:" });
    const topic = uniq("hold");
    await q.createTasks([{ topic, data: "a" }]);
    const a = (await q.reserveTask(topic, "w"))!;
    await q.createTask({ topic, data: "b" });
    const claim = { taskId: a.taskId, pid: "w", leaseId: a.leaseId! };
    const results = await q.applyWrites([
      { op: "terminate", ...claim },
      { op: "snooze", ...claim, snoozeTime: 600_000, holdTopic: true },
    ]);
    expect(results.map((r) => (r.task ? r.task.status : r.error.code))).toEqual([
      "terminated",
      "invalid-status-transition",
    ]);
    // the topic is not held back: the other task is reservable now
    expect((await q.reserveTask(topic, "w2"))?.data).toBe("b");
  });

  it("a holdTopic snooze that holds its lease still holds the topic back (the hold is not lost by its move)", async () => {
    q = createTaskQ({ url: ":memory:" });
    const topic = uniq("hold");
    await q.createTask({ topic, data: "a" });
    const a = (await q.reserveTask(topic, "w"))!;
    await q.createTask({ topic, data: "b" });
    const [r] = await q.applyWrites([
      { op: "snooze", taskId: a.taskId, pid: "w", leaseId: a.leaseId!, snoozeTime: 600_000, holdTopic: true },
    ]);
    expect(r.task?.status).toBe("snoozed");
    expect(await q.reserveTask(topic, "w2")).toBeNull();
  });
});

describe("review45: a TestClock's offset reaches the database's triggers, and never stays in the file", () => {
  const stores: TaskQ[] = [];
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const c of cleanups.splice(0)) c();
  });

  /** A depends on nothing, B on A; A runs and ends; then B must be reservable at once. */
  async function dependantStartsAtOnce(q: TaskQ): Promise<void> {
    const topic = uniq("deps");
    const a = await q.createTask({ topic, data: "a" });
    const b = await q.createTask({ topic, data: "b", dependsOn: [a.taskId] });
    const ra = (await q.reserveTask(topic, "w"))!;
    expect(ra.taskId).toBe(a.taskId);
    await q.terminate(a.taskId, "w", { leaseId: ra.leaseId! });
    const started = (await q.task(b.taskId))!;
    const ended = (await q.task(a.taskId))!;
    // the dependant started at its dependency's ending, on the store's clock
    expect(started.status).toBe("starting");
    expect(Math.abs(started.runAt! - ended.updatedAt)).toBeLessThan(1_000);
    const rb = await q.reserveTask(topic, "w");
    expect(rb?.taskId, "the dependant is reservable as soon as its dependency ended").toBe(b.taskId);
  }

  it("a clock set back after the schema was made: a dependant starts on the store's clock", async () => {
    const clock = new TestClock();
    const q = createTaskQ({ url: ":memory:", clock });
    stores.push(q);
    await q.countTasks(); // the schema, at offset 0
    clock.shift(-3_600_000);
    await dependantStartsAtOnce(q);
  });

  it("a clock moved before the schema was made leaves no offset in the file for a store without one", async () => {
    const db = tempDbUrl();
    cleanups.push(db.cleanup);
    const clock = new TestClock();
    const shifted = createTaskQ({ url: db.url, clock });
    stores.push(shifted);
    clock.shift(86_400_000);
    await shifted.countTasks(); // the schema, made while the clock reads a day on
    clock.reset();
    await dependantStartsAtOnce(shifted);
    const plain = createTaskQ({ url: db.url });
    stores.push(plain);
    await dependantStartsAtOnce(plain);
    const raw = await rawDb(db.url);
    try {
      const rs = await raw.execute("SELECT name, sql FROM sqlite_master WHERE sql LIKE '%86400%'");
      expect(rs.rows.map((r) => r.name)).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it("a rate's tokens are spent on the store's clock: moved on an hour, one reservation per window still", async () => {
    const clock = new TestClock();
    const q = createTaskQ({ url: ":memory:", clock });
    stores.push(q);
    const topic = uniq("rate");
    await q.setTopicLimits(topic, { rate: { limit: 1, periodMs: 60_000 } }); // the trigger, at offset 0
    await q.createTasks(Array.from({ length: 5 }, (_, i) => ({ topic, data: i })));
    clock.shift(3_600_000);
    let reserved = 0;
    for (let i = 0; i < 5; i++) reserved += (await q.reserveTasks(topic, "w", 10)).length;
    expect(reserved, "limit 1 + burst 0 in one window").toBe(1);
  });

  it("a rate whose clock was set back: a reservation a window later is let through", async () => {
    const clock = new TestClock();
    const q = createTaskQ({ url: ":memory:", clock });
    stores.push(q);
    const topic = uniq("rate");
    await q.setTopicLimits(topic, { rate: { limit: 1, periodMs: 1_000 } });
    clock.shift(-3_600_000);
    await q.createTasks(Array.from({ length: 3 }, (_, i) => ({ topic, data: i })));
    expect(await q.reserveTasks(topic, "w", 10)).toHaveLength(1);
    clock.shift(2_000); // two windows on, on the store's clock
    expect(await q.reserveTasks(topic, "w", 10)).toHaveLength(1);
  });
});

describe("review45: a worker's lease must leave its default keepalive room to renew it", () => {
  it("leaseTimeMs: 1 without a keepaliveMs is refused, naming leaseTimeMs", async () => {
    const q = createTaskQ({ url: ":memory:" });
    try {
      const e = await rejection(async () =>
        worker({ taskq: q, topic: "t", pfn: () => undefined as never, leaseTimeMs: 1 })
      );
      expect(e.code).toBe("invalid-options");
      expect(e.issues?.[0].path).toBe("leaseTimeMs");
      expect(e.message).toMatch(/leaseTimeMs must be at least 2/);
    } finally {
      await q.close();
    }
  });

  it("leaseTimeMs: 2 takes the default keepalive of 1 ms", async () => {
    const q = createTaskQ({ url: ":memory:" });
    try {
      const w = worker({ taskq: q, topic: uniq("t"), pfn: () => undefined as never, leaseTimeMs: 2 });
      await w.stop();
    } finally {
      await q.close();
    }
  });
});

describe("review45 (newcomer trial): a closed store takes no new worker or drain", () => {
  it("worker() throws and drain() rejects with store-closed, as every other call does", async () => {
    const q = createTaskQ({ url: ":memory:" });
    await q.close();
    const w = await rejection(() => worker({ taskq: q, topic: "t", pfn: () => ok() }));
    expect([w.code, w.message]).toEqual(["store-closed", "worker: the store is closed"]);
    const d = await rejection(drain({ taskq: q, topic: "t", pfn: () => ok() }));
    expect([d.code, d.message]).toEqual(["store-closed", "drain: the store is closed"]);
  });
});

describe("review45 (re-read): a URL's scheme in capitals", () => {
  it("FILE:<path> is a file: database on the store's own drivers (the web client takes no file:)", async () => {
    const db = tempDbUrl();
    const q = createTaskQ({ url: db.url.replace(/^file:/, "FILE:") });
    try {
      const t = await q.createTask({ topic: "t" });
      expect((await q.task(t.taskId))?.status).toBe("starting");
      expect((await q.storeInfo()).driver).not.toBe("libsql");
      // the same database as its lower-case spelling
      const same = createTaskQ({ url: db.url });
      try {
        expect((await same.task(t.taskId))?.taskId).toBe(t.taskId);
      } finally {
        await same.close();
      }
    } finally {
      await q.close();
      db.cleanup();
    }
  });
});
