/**
 * Schedules on every target (`:memory:`, a `file:` database on each SQLite
 * library, a real sqld): definitions and their refusals, and firing exactly
 * once per slot, driven by the database clock's test hook (`TestClock`):
 * the clock set back, slot tasks pruned, a stopped scheduler catching up, a
 * daylight-saving day in Europe/London, edits while firing, overlap "skip",
 * pause and resume. Several OS processes firing one schedule are in
 * schedules.processes.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  createTaskQ,
  drain,
  ok,
  type Page,
  type Schedule,
  schedule,
  type ScheduleDef,
  scheduler,
  type Task,
  TaskError,
  type TaskQ,
  TestClock,
  worker,
} from "../mod.ts";
import { rawDb, rejection, TARGETS, tempDbUrl, uniq, waitFor } from "./helpers.ts";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Every task of a schedule, by slot. */
async function slotTasks(q: TaskQ, name: string): Promise<Task[]> {
  const out: Task[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await q.listTasks({ schedule: name }, { cursor, limit: 1000 });
    out.push(...page.data);
    cursor = page.cursor;
  } while (cursor);
  return out.sort((a, b) => a.slotAt! - b.slotAt!);
}

/** Slots as ISO strings (readable failures). */
const iso = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

/** No slot has two tasks, and each task's id is its slot's. */
function expectOncePerSlot(tasks: Task[], name: string): void {
  const slots = tasks.map((t) => t.slotAt!);
  expect(new Set(slots).size, `slots fired twice: ${iso(slots)}`).toBe(slots.length);
  for (const t of tasks) {
    expect(t.scheduleName).toBe(name);
    expect(t.taskId).toBe(`${name}@${new Date(t.slotAt!).toISOString().replace(/\.\d{3}Z$/, "Z")}`);
  }
}

describe.each(TARGETS)("schedules on $name", (target) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  /** A store on the target whose database clock `clock` moves. */
  function store(clock = new TestClock()): { q: TaskQ; clock: TestClock; topic: string; name: string } {
    const { taskq, cleanup } = target.make({ clock });
    cleanups.push(cleanup);
    return { q: taskq, clock, topic: uniq("sched"), name: uniq("s") };
  }
  /** Fires the topic's schedules (only them: the remote database is shared with other tests). */
  const fire = (q: TaskQ, topic: string) => q.fireSchedules({ topics: [topic] });

  it("a new schedule fires from its first slot after now; its slot task says where it came from", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T11:59:30Z");
    const s = await schedule(q, { name, cron: "0 * * * *", topic, data: { n: 1 }, priority: 3, maxAttempts: 2 });
    expect(s).toMatchObject({
      name,
      cron: "0 * * * *",
      timezone: "UTC",
      topic,
      subTopic: "default",
      data: { n: 1 },
      overlap: "allow",
      backfillMs: 0,
      paused: false,
      lastSlotAt: null,
      lastTaskId: null,
      skippedSlots: 0,
      version: 1,
    });
    expect(iso([s.nextSlotAt!])).toEqual(["2026-06-01T12:00:00.000Z"]);
    expect(await fire(q, topic)).toMatchObject({ fired: 0, nextSlotAt: s.nextSlotAt });
    clock.set("2026-06-01T12:00:01Z");
    const r = await fire(q, topic);
    expect(r.fired).toBe(1);
    expect(iso([r.nextSlotAt!])).toEqual(["2026-06-01T13:00:00.000Z"]);
    const [t] = await slotTasks(q, name);
    expect(t).toMatchObject({
      taskId: `${name}@2026-06-01T12:00:00Z`,
      topic,
      status: "starting",
      data: { n: 1 },
      priority: 3,
      maxAttempts: 2,
      scheduleName: name,
      slotAt: Date.parse("2026-06-01T12:00:00Z"),
      runAt: Date.parse("2026-06-01T12:00:00Z"),
    });
    expect(await q.getSchedule(name)).toMatchObject({
      lastSlotAt: t.slotAt,
      lastTaskId: t.taskId,
      version: 2,
    });
    // a task made otherwise has no schedule
    const plain = await q.createTask({ topic });
    expect(plain).toMatchObject({ scheduleName: null, slotAt: null });
    expect((await q.task(plain.taskId))!).toMatchObject({ scheduleName: null, slotAt: null });
  });

  it("the clock set back fires no slot twice, and firing goes on once it passes the last slot again", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:00.100Z"); // .100 past a slot: a loaded machine may take most of a second per call
    await q.schedule({ name, cron: "* * * * * *", topic, backfillMs: 10 * SECOND });
    clock.set("2026-06-01T12:00:03.100Z");
    expect((await fire(q, topic)).fired).toBe(3);
    clock.set("2026-06-01T11:00:03.100Z"); // an hour back
    expect((await fire(q, topic)).fired).toBe(0);
    clock.set("2026-06-01T12:00:01.100Z"); // slots 01 to 03 fired already
    expect((await fire(q, topic)).fired).toBe(0);
    clock.set("2026-06-01T12:00:05.100Z"); // 04 and 05
    expect((await fire(q, topic)).fired).toBe(2);
    const tasks = await slotTasks(q, name);
    expectOncePerSlot(tasks, name);
    expect(iso(tasks.map((t) => t.slotAt!))).toEqual(
      [1, 2, 3, 4, 5].map((s) => `2026-06-01T12:00:0${s}.000Z`),
    );
  });

  it("slot tasks pruned, then the clock set back or a backfill run, fire nothing twice", async () => {
    const { q, clock, topic, name } = store();
    // Each set is .100 past a slot, not .500: the clock runs on from a set, and a loaded machine (CI runs
    // four suites side by side) may take most of a second before the next call reads it.
    clock.set("2026-06-01T12:00:00.100Z");
    await q.schedule({ name, cron: "* * * * * *", topic, backfillMs: 5 * SECOND });
    clock.set("2026-06-01T12:00:03.100Z");
    expect((await fire(q, topic)).fired).toBe(3);
    const ended: number[] = [];
    for (let t = await q.reserveTask(topic, "p"); t; t = await q.reserveTask(topic, "p")) {
      ended.push((await q.terminate(t.taskId, "p", { leaseId: t.leaseId! })).updatedAt);
    }
    // past the terminates by more than olderThanMs, however long they took (a slot only fires when asked)
    clock.set(Math.max(...ended) + 200);
    expect(await q.pruneTasks({ olderThanMs: 100, statuses: ["terminated"], topic })).toBe(3);
    expect(await slotTasks(q, name)).toEqual([]);
    clock.set("2026-06-01T12:00:01.100Z");
    expect((await fire(q, topic)).fired).toBe(0);
    // a wider backfill window, the clock back where it was: the pruned slots are not made again
    await q.schedule({ name, cron: "* * * * * *", topic, backfillMs: HOUR });
    clock.set("2026-06-01T12:00:03.100Z");
    expect((await fire(q, topic)).fired).toBe(0);
    expect(await slotTasks(q, name)).toEqual([]);
    clock.set("2026-06-01T12:00:04.100Z");
    expect((await fire(q, topic)).fired).toBe(1);
    expect(iso((await slotTasks(q, name)).map((t) => t.slotAt!))).toEqual(["2026-06-01T12:00:04.000Z"]);
  });

  it("a scheduler stopped over 3 slots catches up: the latest only by default, all 3 within backfillMs", async () => {
    const { q, clock, topic } = store();
    const latest = uniq("latest");
    const backfill = uniq("backfill");
    clock.set("2026-06-01T11:59:00Z");
    await q.schedule({ name: latest, cron: "*/10 * * * *", topic });
    await q.schedule({ name: backfill, cron: "*/10 * * * *", topic, backfillMs: HOUR });
    clock.set("2026-06-01T12:25:00Z"); // slots 12:00, 12:10, 12:20 missed
    expect((await fire(q, topic)).fired).toBe(4);
    expect(iso((await slotTasks(q, latest)).map((t) => t.slotAt!))).toEqual(["2026-06-01T12:20:00.000Z"]);
    expect(iso((await slotTasks(q, backfill)).map((t) => t.slotAt!))).toEqual([
      "2026-06-01T12:00:00.000Z",
      "2026-06-01T12:10:00.000Z",
      "2026-06-01T12:20:00.000Z",
    ]);
    // a window shorter than the outage: the slots inside it, the older ones skipped
    const short = uniq("short");
    await q.schedule({ name: short, cron: "*/10 * * * *", topic, backfillMs: 16 * MINUTE });
    clock.set("2026-06-01T13:05:00Z"); // 12:30 … 13:00 missed; the window reaches back to 12:49
    await fire(q, topic);
    expect(iso((await slotTasks(q, short)).map((t) => t.slotAt!))).toEqual([
      "2026-06-01T12:50:00.000Z",
      "2026-06-01T13:00:00.000Z",
    ]);
  });

  it("01:30 daily in Europe/London: once on the autumn day (the first 01:30), and at 02:00 BST on the spring day", async () => {
    const { q, clock, topic, name } = store();
    /** Walks the clock from `from` to `to` in 10-minute steps, firing at each. */
    const walk = async (from: string, to: string) => {
      clock.set(from);
      for (let at = Date.parse(from); at <= Date.parse(to); at += 10 * MINUTE) {
        clock.set(at);
        await fire(q, topic);
      }
    };
    clock.set("2026-10-24T12:00:00Z");
    await q.schedule({ name, cron: "30 1 * * *", timezone: "Europe/London", topic });
    await walk("2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z");
    // 25 Oct: 01:30 BST (00:30 UTC) and, after the clocks go back, 01:30 GMT (01:30 UTC) again: once, the first
    expect(iso((await slotTasks(q, name)).map((t) => t.slotAt!))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
    const spring = uniq("spring");
    clock.set("2027-03-27T12:00:00Z");
    await q.schedule({ name: spring, cron: "30 1 * * *", timezone: "Europe/London", topic });
    await walk("2027-03-27T12:00:00Z", "2027-03-29T12:00:00Z");
    // 28 Mar: 01:00 GMT jumps to 02:00 BST; 01:30 never happens, so the slot is the first instant after the gap
    expect(iso((await slotTasks(q, spring)).map((t) => t.slotAt!))).toEqual([
      "2027-03-28T01:00:00.000Z",
      "2027-03-29T00:30:00.000Z",
    ]);
  });

  it("editing a schedule never fires a slot twice, whatever the new cron", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:00.500Z");
    await q.schedule({ name, cron: "* * * * * *", topic, backfillMs: MINUTE });
    for (let i = 0; i < 12; i++) {
      clock.shift(700);
      await fire(q, topic);
      // every other step an edit: another cron, the same cron, a new data; slots keep firing once
      if (i % 2) {
        await q.schedule({ name, cron: i % 4 === 1 ? "*/2 * * * * *" : "* * * * * *", topic, data: i });
      }
      await fire(q, topic);
    }
    const tasks = await slotTasks(q, name);
    expect(tasks.length).toBeGreaterThan(3);
    expectOncePerSlot(tasks, name);
    // an edit keeps where firing stands
    const s = (await q.getSchedule(name))!;
    expect(s.lastSlotAt).toBe(tasks[tasks.length - 1].slotAt);
    expect(s.nextSlotAt).toBeGreaterThan(s.lastSlotAt!);
  });

  it('overlap "skip": a slot whose previous task has not finished makes no task; the next free slot does', async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:30Z");
    await q.schedule({ name, cron: "* * * * *", topic, overlap: "skip" });
    clock.set("2026-06-01T12:01:01Z");
    expect((await fire(q, topic)).fired).toBe(1);
    const running = (await q.reserveTask(topic, "p", { leaseTimeMs: HOUR }))!;
    clock.set("2026-06-01T12:02:01Z");
    expect((await fire(q, topic)).fired).toBe(0);
    expect(await q.getSchedule(name)).toMatchObject({
      skippedSlots: 1,
      lastSlotAt: Date.parse("2026-06-01T12:02:00Z"),
      lastTaskId: running.taskId,
    });
    await q.terminate(running.taskId, "p", { leaseId: running.leaseId! });
    clock.set("2026-06-01T12:03:01Z");
    expect((await fire(q, topic)).fired).toBe(1);
    expect(iso((await slotTasks(q, name)).map((t) => t.slotAt!))).toEqual([
      "2026-06-01T12:01:00.000Z",
      "2026-06-01T12:03:00.000Z",
    ]);
    // a waiting (not yet run) predecessor blocks too: only a finished one lets the next slot fire
    clock.set("2026-06-01T12:04:01Z");
    expect((await fire(q, topic)).fired).toBe(0);
    expect((await q.getSchedule(name))!.skippedSlots).toBe(2);
  });

  it("pause stops firing; resume goes on from the first slot after it, the paused slots skipped", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:30Z");
    await q.schedule({ name, cron: "* * * * *", topic, backfillMs: HOUR });
    const paused = await q.pauseSchedule(name);
    expect(paused.paused).toBe(true);
    clock.set("2026-06-01T12:05:30Z");
    expect((await fire(q, topic)).fired).toBe(0);
    const resumed = await q.resumeSchedule(name);
    expect(resumed).toMatchObject({ paused: false, nextSlotAt: Date.parse("2026-06-01T12:06:00Z") });
    expect(await q.resumeSchedule(name)).toEqual(resumed); // resuming an active schedule changes nothing
    clock.set("2026-06-01T12:06:30Z");
    expect((await fire(q, topic)).fired).toBe(1);
    // replacing keeps the paused state unless the definition says
    await q.pauseSchedule(name);
    expect((await q.schedule({ name, cron: "* * * * *", topic })).paused).toBe(true);
    expect((await q.schedule({ name, cron: "* * * * *", topic, paused: false })).paused).toBe(false);
    expect(await q.schedule({ name: uniq("p"), cron: "* * * * *", topic, paused: true })).toMatchObject({
      paused: true,
    });
  });

  it("unschedule deletes the schedule and leaves its tasks; unknown names are false / schedule-not-found", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:30Z");
    await q.schedule({ name, cron: "* * * * *", topic });
    clock.set("2026-06-01T12:01:30Z");
    await fire(q, topic);
    expect(await q.unschedule(name)).toBe(true);
    expect(await q.unschedule(name)).toBe(false);
    expect(await q.getSchedule(name)).toBeNull();
    expect((await slotTasks(q, name)).map((t) => t.status)).toEqual(["starting"]);
    for (const call of [() => q.pauseSchedule(name), () => q.resumeSchedule(name)]) {
      const e = await rejection(call);
      expect(e).toBeInstanceOf(TaskError);
      expect({ type: e.type, code: e.code }).toEqual({ type: "not-found", code: "schedule-not-found" });
    }
    clock.set("2026-06-01T12:05:30Z");
    expect((await fire(q, topic)).fired).toBe(0);
  });

  it("listSchedules lists by name, all or of one topic", async () => {
    const { q, topic } = store();
    const other = uniq("other");
    const names = [uniq("b"), uniq("a"), uniq("c")];
    await q.schedule({ name: names[0], cron: "@daily", topic });
    await q.schedule({ name: names[1], cron: "@hourly", topic });
    await q.schedule({ name: names[2], cron: "@weekly", topic: other });
    expect((await q.listSchedules({ topic })).map((s) => s.name)).toEqual([names[1], names[0]]);
    const all = (await q.listSchedules()).map((s) => s.name).filter((n) => names.includes(n));
    expect(all).toEqual([...names].sort());
  });

  it("a refused definition names its field and writes nothing", async () => {
    const { q, topic, name } = store();
    const bad: [Partial<ScheduleDef> & Record<string, unknown>, string][] = [
      [{ cron: "61 * * * *" }, "cron"],
      [{ cron: "* * * *" }, "cron"],
      [{ cron: "" }, "cron"],
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ timezone: "" }, "timezone"],
      [{ overlap: "never" as never }, "overlap"],
      [{ backfillMs: -1 }, "backfillMs"],
      [{ backfillMs: 8 * 24 * HOUR }, "backfillMs"],
      [{ name: "x".repeat(201) }, "name"],
      [{ name: " padded" }, "name"],
      [{ topic: "" }, "topic"],
      [{ data: () => 1 }, "data"],
      [{ priority: 1.5 }, "priority"],
      [{ backfil: 1000 }, "backfil"],
    ];
    for (const [patch, field] of bad) {
      const e = await rejection(() => q.schedule({ name, cron: "* * * * *", topic, ...patch } as ScheduleDef));
      expect(e, JSON.stringify(patch)).toBeInstanceOf(TaskError);
      expect({ type: e.type, code: e.code }).toEqual({ type: "bad-request", code: "invalid-schedule" });
      expect(e.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    expect(await q.getSchedule(name)).toBeNull();
    const e = await rejection(() => q.fireSchedules({ topics: "x" as never }));
    expect({ type: e.type, path: e.issues[0].path }).toEqual({ type: "bad-request", path: "topics" });
  });

  it("listTasks({ schedule }) pages through one schedule's tasks only", async () => {
    const { q, clock, topic, name } = store();
    clock.set("2026-06-01T12:00:00.100Z"); // .100 past a slot: a loaded machine may take most of a second per call
    await q.schedule({ name, cron: "* * * * * *", topic, backfillMs: MINUTE });
    await q.createTask({ topic });
    clock.set("2026-06-01T12:00:25.100Z");
    expect((await fire(q, topic)).fired).toBe(25);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await q.listTasks({ schedule: name, topic }, { cursor, limit: 7 });
      seen.push(...page.data.map((t) => t.taskId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.length).toBe(25);
    expect(new Set(seen).size).toBe(25);
    expect(await q.countTasks({ schedule: name })).toBe(25);
    expect(await q.countTasks({ schedule: name, status: "running" })).toBe(0);
  });
});

describe("what a review found", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  const memory = (clock = new TestClock()) => {
    const q = createTaskQ({ url: ":memory:", clock });
    cleanups.push(() => q.close());
    return { q, clock };
  };

  it("a firer that read a schedule deleted and made again under its name (its version back at 1) makes nothing", async () => {
    const { q, clock } = memory();
    clock.set("2026-06-01T12:00:30Z");
    await q.schedule({ name: "job", cron: "0 * * * * *", topic: "old-topic" });
    clock.set("2026-06-01T12:01:05Z");
    // between the firer's read of the due schedule and its write, the name is deleted and made again
    const client = (q as unknown as { client: { batch: (...a: unknown[]) => Promise<unknown> } }).client;
    const batch = client.batch.bind(client);
    let once = true;
    client.batch = async (...args: unknown[]) => {
      if (once && JSON.stringify(args[0]).includes("INSERT INTO sokka_tasks")) {
        once = false;
        client.batch = batch;
        await q.unschedule("job");
        await q.schedule({ name: "job", cron: "0 0 1 1 *", topic: "new-topic", data: "NEW" });
      }
      return batch(...args);
    };
    expect((await q.fireSchedules({ topics: ["old-topic"] })).fired).toBe(0);
    expect(once).toBe(false);
    expect((await q.listTasks({ schedule: "job" })).data).toEqual([]);
    expect(iso([(await q.getSchedule("job"))!.nextSlotAt!])).toEqual(["2027-01-01T00:00:00.000Z"]);
  });

  it("a schedule this runtime cannot read is put off a minute and named, and holds up no other", async () => {
    const db = tempDbUrl();
    cleanups.push(() => db.cleanup());
    const clock = new TestClock();
    const q = createTaskQ({ url: db.url, clock });
    cleanups.push(() => q.close());
    clock.set("2026-06-01T12:00:00.500Z");
    for (let i = 0; i < 120; i++) await q.schedule({ name: `bad-${i}`, cron: "* * * * * *", topic: "t" });
    await q.schedule({ name: "good", cron: "* * * * * *", topic: "t" });
    // a zone another runtime knew (written past the store, as another process's sokka would have)
    const raw = await rawDb(db.url);
    await raw.execute("UPDATE sokka_schedules SET timezone = 'Mars/Olympus' WHERE name LIKE 'bad-%'");
    raw.close();
    // past every first slot, however long the 121 writes took on a loaded machine (the clock runs on from a set)
    const setAt = Math.max(...(await q.listSchedules()).map((s) => s.nextSlotAt!)) + 500;
    clock.set(setAt);
    const r = await q.fireSchedules();
    expect(r.fired).toBe(1);
    expect(r.errors.length).toBe(120);
    expect(r.errors[0].message).toMatch(/cannot be read here \(timezone must be an IANA time zone/);
    // a minute after the database clock of that firing (which ran on a little since the clock was set)
    const putOff = (await q.getSchedule("bad-0"))!.nextSlotAt! - 60_000;
    expect(putOff).toBeGreaterThanOrEqual(setAt);
    expect(putOff).toBeLessThanOrEqual(r.now);
    expect((await q.fireSchedules()).errors).toEqual([]); // not read again at once
  });

  it("a cron with outer whitespace or that names no time after now is refused; a zone is stored by its canonical name", async () => {
    const { q } = memory();
    for (const cron of [" * * * * *", "* * * * *\n", "0 0 0 1 1 * 2020", "0 0 31 2 *"]) {
      const e = await rejection(() => q.schedule({ name: "n", cron, topic: "t" }));
      expect([e.code, e.issues[0].path], cron).toEqual(["invalid-schedule", "cron"]);
    }
    expect((await q.schedule({ name: "n", cron: "@daily", topic: "t", timezone: "utc" })).timezone).toBe("UTC");
    for (const call of [() => q.getSchedule(5 as never), () => q.unschedule("")]) {
      const e = await rejection(call);
      expect([e.code, e.issues[0].path]).toEqual(["invalid-schedule", "name"]);
    }
  });
});

describe("firing by workers, drains and scheduler() (real time)", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  const fileStore = () => {
    const db = tempDbUrl();
    const q = createTaskQ({ url: db.url });
    cleanups.push(() => db.cleanup(), () => q.close());
    return q;
  };

  it("a worker fires its topic's schedule and runs the slot tasks", async () => {
    const q = fileStore();
    const ran: Task[] = [];
    await schedule(q, { name: "tick", cron: "* * * * * *", topic: "ticks", data: { hello: 1 } });
    const w = worker({ taskq: q, topic: "ticks", pfn: (t) => (ran.push(t), ok()) });
    cleanups.push(() => w.stop());
    await waitFor(() => ran.length >= 2, 10_000, "two slots run");
    expect(ran[0]).toMatchObject({ scheduleName: "tick", data: { hello: 1 } });
    expect(ran[1].slotAt).toBeGreaterThan(ran[0].slotAt!);
  });

  it("a worker with schedules: false fires nothing; scheduler() fires every topic", async () => {
    const q = fileStore();
    const w = worker({ taskq: q, topic: "a", schedules: false, pfn: () => ok() });
    cleanups.push(() => w.stop());
    const s = await schedule(q, { name: "a-tick", cron: "* * * * * *", topic: "a" });
    await waitFor(async () => (await q.fireSchedules({ topics: ["none"] })).now > s.nextSlotAt! + 300, 5_000);
    expect((await q.listTasks({ schedule: "a-tick" })).data).toEqual([]);
    const sch = scheduler({ taskq: q });
    const fired: number[] = [];
    sch.addEventListener("fired", (e) => fired.push(e.detail.fired));
    cleanups.push(() => sch.stop());
    await waitFor(async () => (await q.listTasks({ schedule: "a-tick" })).data.length > 0, 5_000);
    expect(fired.length).toBeGreaterThan(0);
    await sch.stop();
    await sch.done;
  });

  it("a drain fires the due slots of its topic when it starts, then runs them", async () => {
    const q = fileStore();
    const s: Schedule = await schedule(q, { name: "d", cron: "* * * * * *", topic: "d", backfillMs: 10_000 });
    await waitFor(async () => (await q.fireSchedules({ topics: ["none"] })).now > s.nextSlotAt! + 1_100, 5_000);
    const r = await drain({ taskq: q, topic: "d", pfn: () => ok(), budgetMs: 5_000 });
    expect(r.completed).toBeGreaterThanOrEqual(2);
    const tasks = await slotTasks(q, "d");
    expect(tasks.every((t) => t.status === "terminated")).toBe(true);
    expectOncePerSlot(tasks, "d");
  });

  it("five stores on one file, firing together as their clock moves, make one task per slot", async () => {
    const db = tempDbUrl();
    cleanups.push(() => db.cleanup());
    const clock = new TestClock();
    clock.set("2026-06-01T12:00:00.500Z");
    const stores = Array.from({ length: 5 }, () => createTaskQ({ url: db.url, clock }));
    for (const s of stores) cleanups.push(() => s.close());
    await schedule(stores[0], { name: "race", cron: "* * * * * *", topic: "race", backfillMs: 5_000 });
    for (let i = 0; i < 20; i++) {
      clock.shift(i % 3 === 0 ? 2_300 : 400);
      await Promise.all(stores.map((s) => s.fireSchedules({ topics: ["race"] })));
    }
    const tasks = await slotTasks(stores[0], "race");
    expectOncePerSlot(tasks, "race");
    const slots = tasks.map((t) => t.slotAt!);
    // no gap: every second from the first slot to the last has its task
    expect(slots.length).toBe((slots[slots.length - 1] - slots[0]) / 1000 + 1);
  });
});
