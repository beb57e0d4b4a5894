/**
 * One every-second schedule fired at once by 4 OS processes, each running 2
 * `scheduler()`s and 2 workers of its topic (8 firers per process): on one
 * `file:` database (the processes open it through each SQLite library this
 * runtime has, in turn) and on a real libSQL server (sqld), for 10 slots,
 * every slot from the first to the last has exactly one task; and while the
 * parent edits the cron (every second → every 2 s → every second), no slot
 * makes two tasks and no slot of an old cron fires after the edit. The three
 * cases run at once, to stay within the suite's budget.
 */
import { afterAll, beforeAll, describe, type ExpectStatic, it } from "vitest";
import { getSchedule, listTasks, schedule, type ScheduleDef, type Task, type TaskQ } from "../mod.ts";
import type { SqliteDriverName } from "../src/drivers/sqlite-library.ts";
import { fileDrivers, storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";
import { type Child, spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";
import { type Sqld, startSqld } from "./sqld.ts";

const PROCESSES = 4;
/** Slots each case waits for (every second: about 10 s). */
const SLOTS = 10;
const EVERY_SECOND = "* * * * * *";
const EVERY_2S = "*/2 * * * * *";

let sqld: Sqld;
beforeAll(async () => {
  sqld = await startSqld(); // its own: no other test's fireSchedules() may fire these schedules (the counts below)
});
afterAll(() => sqld?.stop());

/** A slot's task id as the issue defines it: `<name>@<slot in ISO 8601, UTC, to the second>`. */
const slotId = (name: string, slotAt: number) => `${name}@${new Date(slotAt).toISOString().replace(/\.000Z$/, "Z")}`;

/** 4 firing processes on `url`; the drivers of a `file:` database go round the runtime's libraries. */
async function startFirers(url: string, topic: string, file: boolean): Promise<Child[]> {
  const drivers: (SqliteDriverName | undefined)[] = file ? fileDrivers() : [undefined];
  const children = Array.from(
    { length: PROCESSES },
    (_, i) =>
      spawnFixture("schedule-firer.mjs", [url, topic, `p${i}`, "2", "2"], { driver: drivers[i % drivers.length] }),
  );
  await Promise.all(children.map((c) => c.printed("ready")));
  return children;
}

/**
 * Stops the firers (SIGTERM) and checks each exited cleanly, having
 * complained of nothing (a firing that failed, e.g. on SQLITE_BUSY, is
 * printed): the tasks each made.
 */
/**
 * Stops the firers and returns how many slots each fired. `manySlots`: the run had enough slots that more
 * than one process must have won some (the proof that they raced); a run of a handful of slots may fall to
 * one process whose timer runs a little ahead (seen under Deno on a loaded machine).
 */
async function stopFirers(children: Child[], expect: ExpectStatic, manySlots = true): Promise<number[]> {
  children.forEach((c) => c.kill("SIGTERM"));
  const exits = await Promise.all(children.map((c) => c.exit));
  const fired = exits.map((e) => {
    expectCleanExit(e);
    const summary = /^summary (.*)$/m.exec(e.stdout);
    expect(summary).not.toBeNull();
    const { calls, fired } = JSON.parse(summary![1]) as { calls: number; fired: number };
    expect(calls).toBeGreaterThan(0); // every process took part
    return fired;
  });
  // the slots were raced for: more than one process won some
  if (manySlots) expect(fired.filter((n) => n > 0).length).toBeGreaterThan(1);
  return fired;
}

/** Waits (deadline) until the schedule's latest slot is at or after `slotAt`. */
const slotReached = (taskq: TaskQ, name: string, slotAt: number, what: string) =>
  waitFor(async () => ((await getSchedule(taskq, name))!.lastSlotAt ?? -Infinity) >= slotAt, 25_000, what);

/**
 * Every slot task of schedule `name`, read twice: by `listTasks({ schedule })`
 * (the schedule's index) and by `listTasks({ topic })`; both must agree, and
 * the topic hold no other task.
 */
async function slotTasks(taskq: TaskQ, name: string, topic: string, expect: ExpectStatic): Promise<Task[]> {
  const bySchedule = await listTasks(taskq, { schedule: name }, { limit: 1000 });
  const byTopic = await listTasks(taskq, { topic }, { limit: 1000 });
  expect(bySchedule.cursor).toBeNull();
  const ids = (ts: Task[]) => ts.map((t) => t.taskId).sort();
  expect(ids(bySchedule.data)).toEqual(ids(byTopic.data));
  return [...bySchedule.data].sort((a, b) => a.slotAt! - b.slotAt!);
}

/** Each task is its slot's (id derived from the slot, the schedule named) and no slot or id has two. */
function expectOnePerSlot(tasks: Task[], name: string, expect: ExpectStatic): void {
  for (const t of tasks) {
    expect(t.scheduleName).toBe(name);
    expect(t.taskId).toBe(slotId(name, t.slotAt!));
  }
  expect(new Set(tasks.map((t) => t.slotAt)).size).toBe(tasks.length);
  expect(new Set(tasks.map((t) => t.taskId)).size).toBe(tasks.length);
}

/** The slots from `first` to `last` every `stepMs`. */
const slotsFromTo = (first: number, last: number, stepMs: number) =>
  Array.from({ length: Math.round((last - first) / stepMs) + 1 }, (_, i) => first + i * stepMs);

describe.concurrent("4 processes fire one every-second schedule", () => {
  const cases = [
    { target: `one file: database (${fileDrivers().join(", ")} in turn)`, file: true },
    { target: "a libSQL server (sqld)", file: false },
  ];
  it.for(cases)("on $target: every slot from the first to the last has exactly one task", async (c, { expect }) => {
    const db = c.file ? tempDbUrl() : null;
    const url = db?.url ?? sqld.url;
    const taskq = storeOn(url);
    try {
      await taskq.countTasks(); // the schema exists before the processes open the database
      const topic = uniq("every-second");
      const name = uniq("tick");
      const children = await startFirers(url, topic, c.file);
      const def: ScheduleDef = { name, cron: EVERY_SECOND, topic, backfillMs: 5_000 };
      const created = await schedule(taskq, def);
      const first = created.nextSlotAt!;
      await slotReached(taskq, name, first + (SLOTS - 1) * 1_000, `${SLOTS} slots to fire`);
      const fired = await stopFirers(children, expect);

      const last = (await getSchedule(taskq, name))!.lastSlotAt!;
      expect(last).toBeGreaterThanOrEqual(first + (SLOTS - 1) * 1_000);
      const tasks = await slotTasks(taskq, name, topic, expect);
      expectOnePerSlot(tasks, name, expect);
      // no gap: the first slot after the schedule was made, every second after it, up to the latest
      expect(tasks.map((t) => t.slotAt)).toEqual(slotsFromTo(first, last, 1_000));
      // each slot was made by one firing: the tasks the processes say they made add up to the tasks there are
      expect(fired.reduce((a, b) => a + b, 0)).toBe(tasks.length);
      expect((await getSchedule(taskq, name))!.skippedSlots).toBe(0);
    } finally {
      await taskq.close();
      db?.cleanup();
    }
  });

  it("editing the cron while they fire (every second → every 2 s → every second): no slot twice, none of an old cron after the edit", async ({ expect }) => {
    const db = tempDbUrl();
    const taskq = storeOn(db.url);
    try {
      await taskq.countTasks();
      const topic = uniq("edited");
      const name = uniq("edited");
      const children = await startFirers(db.url, topic, true);
      const def: ScheduleDef = { name, cron: EVERY_SECOND, topic, backfillMs: 5_000 };
      // each epoch: the cron, the first slot it fires (what schedule() answered) and when it was set (database clock)
      const epochs = [{ ...(await schedule(taskq, def)), step: 1_000 }];
      for (const [cron, step] of [[EVERY_2S, 2_000], [EVERY_SECOND, 1_000]] as const) {
        const current = epochs[epochs.length - 1];
        await slotReached(taskq, name, current.nextSlotAt! + current.step, `2 slots of ${current.cron}`);
        // the edit lands just before a second turns (when the firers are about to fire): the hardest moment
        await waitFor(() => Date.now() % 1_000 >= 950, 5_000, "the end of a second");
        epochs.push({ ...(await schedule(taskq, { ...def, cron })), step });
      }
      const lastEpoch = epochs[epochs.length - 1];
      await slotReached(taskq, name, lastEpoch.nextSlotAt! + lastEpoch.step, `2 slots of ${lastEpoch.cron}`);
      const fired = await stopFirers(children, expect, false); // ~6 slots

      const tasks = await slotTasks(taskq, name, topic, expect);
      expectOnePerSlot(tasks, name, expect);
      expect(fired.reduce((a, b) => a + b, 0)).toBe(tasks.length);
      expect(tasks[0].slotAt).toBe(epochs[0].nextSlotAt);
      const last = (await getSchedule(taskq, name))!.lastSlotAt!;
      epochs.forEach((e, i) => {
        const end = epochs[i + 1]?.nextSlotAt ?? Infinity;
        const mine = tasks.filter((t) => t.slotAt! >= e.nextSlotAt! && t.slotAt! < end);
        // the epoch's slots are its cron's, each fired once, from its first slot on without a gap (a slot of
        // the old cron still due when the edit came is not fired: an edit fires from the first slot after it)
        expect(mine.length).toBeGreaterThanOrEqual(2);
        const upTo = i === epochs.length - 1 ? last : mine[mine.length - 1].slotAt!;
        expect(mine.map((t) => t.slotAt)).toEqual(slotsFromTo(e.nextSlotAt!, upTo, e.step));
        // all made after this epoch's edit, and before the next one: no slot of an old cron fired after it
        for (const t of mine) {
          expect(t.createdAt).toBeGreaterThanOrEqual(e.updatedAt);
          if (epochs[i + 1]) expect(t.createdAt).toBeLessThanOrEqual(epochs[i + 1].updatedAt);
        }
      });
    } finally {
      await taskq.close();
      db.cleanup();
    }
  });
});
