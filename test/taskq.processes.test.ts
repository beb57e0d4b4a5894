/**
 * Several OS processes on one database file: 4 processes reserve and
 * terminate 2,000 tasks concurrently. Every task ends terminated, reserved
 * exactly once, and no process dies of SQLITE_BUSY. Once per SQLite library
 * this runtime has for `file:` databases (fileDrivers()), in every process.
 */
import { afterEach, expect, it } from "vitest";
import { scrollTasks, type Task } from "../mod.ts";
import { fileDrivers, storeOn, tempDbUrl } from "./helpers.ts";
import { spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";

let db: ReturnType<typeof tempDbUrl>;
afterEach(() => db?.cleanup());

it.each(fileDrivers())(
  "4 processes share 2,000 tasks on %s: each reserved exactly once, all terminated",
  async (driver) => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    await taskq.createTasks(Array.from({ length: 2000 }, (_, i) => ({ topic: "shared", data: i })));

    const children = Array.from(
      { length: 4 },
      (_, i) => spawnFixture("reserve-loop.mjs", [db.url, "shared", `proc-${i}`], { driver }),
    );
    const results = await Promise.all(children.map((c) => c.exit));
    for (const r of results) {
      expectCleanExit(r);
    }
    const done = results.flatMap((r) => JSON.parse(r.stdout) as string[]);
    expect(done.length).toBe(2000);
    expect(new Set(done).size).toBe(2000);
    // more than one process did real work (the test exercised contention)
    expect(results.filter((r) => (JSON.parse(r.stdout) as string[]).length > 0).length).toBeGreaterThan(1);

    const all: Task[] = [];
    for await (const t of scrollTasks(taskq, { topic: "shared" }, { limit: 1000 })) all.push(t);
    expect(all.length).toBe(2000);
    expect(all.every((t) => t.status === "terminated" && t.attempts === 1 && t.pid === null)).toBe(true);
    await taskq.close();
  },
);
