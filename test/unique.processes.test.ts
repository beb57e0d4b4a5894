/**
 * Unique tasks under contention, in real OS processes on one `file:`
 * database: 4 processes × 32 concurrent creates of one key, for each policy
 * at once, leave exactly the documented number of tasks, and every caller
 * is answered with the task created or its holder, exactly one of them told
 * it created it. The same through HTTP: 4 server processes, 32 concurrent
 * `POST /tasks` each. The processes open the file through each SQLite
 * library this runtime has, in turn (fileDrivers()).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { listTasks, type Task, type TaskDef, type TaskQ } from "../mod.ts";
import { fileDrivers, storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";
import { type Child, freePort, spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";

const PROCESSES = 4;
const CALLS = 32;
const HOUR = 3_600_000;
const MAX_WAIT = 900_000;

let db: ReturnType<typeof tempDbUrl>;
let children: Child[] = [];
afterEach(() => {
  children.forEach((c) => c.kill("SIGKILL"));
  children = [];
  db?.cleanup();
});

/** What one create answered in a child: the task and whether it was deduplicated, or a refusal. */
type Answer = { taskId: string; deduplicated: boolean } | { code: string; holder?: string };

/** Every task of `topic` (a handful at most). */
async function tasksOf(taskq: TaskQ, topic: string): Promise<Task[]> {
  const page = await listTasks(taskq, { topic }, { limit: 100 });
  expect(page.cursor).toBeNull();
  return page.data;
}

/** The child `i`'s SQLite library: the runtime's libraries in turn. */
const driverOf = (i: number) => fileDrivers()[i % fileDrivers().length];

it("4 processes × 32 concurrent creates of one key, per policy: the documented number of tasks, every caller answered with it", async () => {
  db = tempDbUrl();
  const taskq = storeOn(db.url);
  await taskq.countTasks(); // the schema exists before the processes open the file
  const cases: { name: string; def: TaskDef }[] = [
    { name: "active", def: { topic: uniq("active"), uniqueKey: "k" } },
    { name: "queued", def: { topic: uniq("queued"), uniqueKey: "k", unique: "queued" } },
    // a window of an hour: it turns during the test only by rare chance, and the check is per window anyway
    { name: "period", def: { topic: uniq("period"), uniqueKey: "k", unique: { periodMs: HOUR } } },
    {
      name: "debounce",
      def: { topic: uniq("debounce"), uniqueKey: "k", unique: { debounceMs: 600_000, maxWaitMs: MAX_WAIT } },
    },
    { name: "active, onDuplicate error", def: { topic: uniq("error"), uniqueKey: "k", onDuplicate: "error" } },
  ];
  const trigger = join(db.path, "..", "go");
  const specs = JSON.stringify(cases.map((c) => ({ def: c.def, n: CALLS })));
  children = Array.from(
    { length: PROCESSES },
    (_, i) => spawnFixture("flow-proc.mjs", ["enqueue", db.url, `p${i}`, trigger, specs], { driver: driverOf(i) }),
  );
  await Promise.all(children.map((c) => c.printed("ready")));
  writeFileSync(trigger, ""); // every process starts its 160 creates at once
  const exits = await Promise.all(children.map((c) => c.exit));
  // answers[case] = the 128 answers of all processes
  const answers: Answer[][] = cases.map(() => []);
  for (const e of exits) {
    expectCleanExit(e);
    const mine = JSON.parse(/^results (.*)$/m.exec(e.stdout)![1]) as Answer[][];
    mine.forEach((a, c) => answers[c].push(...a));
  }

  for (const [c, { name, def }] of cases.entries()) {
    const all = answers[c];
    expect(all.length, name).toBe(PROCESSES * CALLS);
    const tasks = await tasksOf(taskq, def.topic);
    const created = all.filter((a) => "deduplicated" in a && !a.deduplicated) as { taskId: string }[];
    if (name === "period") {
      // one task per window (each its window's holder), and one caller per task told it created it
      const windows = new Set(tasks.map((t) => Math.floor(t.createdAt / HOUR)));
      expect(windows.size, name).toBe(tasks.length);
      expect(tasks.length, name).toBeLessThanOrEqual(2);
      expect(created.map((a) => a.taskId).sort(), name).toEqual(tasks.map((t) => t.taskId).sort());
      for (const a of all) expect(tasks.map((t) => t.taskId), name).toContain((a as { taskId: string }).taskId);
      continue;
    }
    expect(tasks.length, name).toBe(1);
    const [task] = tasks;
    expect(task).toMatchObject({ uniqueKey: "k", status: "starting", attempts: 0 });
    expect(created, name).toEqual([{ taskId: task.taskId, deduplicated: false }]);
    if (name === "active, onDuplicate error") {
      // the other 127 were refused, each naming the holder
      const refused = all.filter((a) => "code" in a);
      expect(refused.length, name).toBe(PROCESSES * CALLS - 1);
      for (const r of refused) expect(r, name).toEqual({ code: "duplicate-task", holder: task.taskId });
      continue;
    }
    for (const a of all) expect(a, name).toMatchObject({ taskId: task.taskId });
    if (name === "debounce") {
      // each duplicate updated the holder once (record_ver +1), with its data; never past maxWaitMs
      expect(task.recordVer).toBe(PROCESSES * CALLS);
      expect(task.data).toMatch(/^p[0-3]-\d+$/);
      expect(task.runAt!).toBeLessThanOrEqual(task.createdAt + MAX_WAIT);
    }
  }
  await taskq.close();
});

it(
  "HTTP: 4 server processes × 32 concurrent POST /tasks of one key: one 201, the rest 200 with the same task",
  async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url);
    await taskq.countTasks();
    const ports = await Promise.all(Array.from({ length: PROCESSES }, () => freePort()));
    children = ports.map((port, i) => spawnFixture("serve-proc.mjs", [db.url, String(port)], { driver: driverOf(i) }));
    await Promise.all(ports.map((port) =>
      waitFor(
        () => fetch(`http://127.0.0.1:${port}/topics`).then((r) => r.ok, () => false),
        15_000,
        `the server on ${port}`,
      )
    ));
    const topic = uniq("http");
    const answers = await Promise.all(ports.flatMap((port, i) =>
      Array.from({ length: CALLS }, async (_, k) => {
        const r = await fetch(`http://127.0.0.1:${port}/tasks`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ topic, uniqueKey: "k", data: `s${i}-${k}` }),
        });
        return { status: r.status, task: (await r.json()) as Task };
      })
    ));
    const tasks = await tasksOf(taskq, topic);
    expect(tasks.length).toBe(1);
    expect(answers.filter((a) => a.status === 201).length).toBe(1);
    expect(answers.filter((a) => a.status === 200).length).toBe(PROCESSES * CALLS - 1);
    for (const a of answers) expect(a.task.taskId).toBe(tasks[0].taskId);

    children.forEach((c) => c.kill("SIGTERM"));
    for (const e of await Promise.all(children.map((c) => c.exit))) expect(e.code).toBe(0);
    children = [];
    await taskq.close();
  },
);
