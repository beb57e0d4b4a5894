/**
 * Dependencies and group follow-ups across real OS processes on one
 * `file:` database: the worker running a dependant's last dependency is
 * SIGKILLed, and the dependant still runs exactly once, after the
 * dependency was re-run by another process once the lease expired; and 3
 * processes that seal one group at once and finish its last tasks at the
 * same moment make exactly one follow-up, run exactly once. Once per SQLite
 * library this runtime has for `file:` databases (fileDrivers()), in every
 * process.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dependencies, groupFollowUp, listTasks, type Task } from "../mod.ts";
import { fileDrivers, rawDb, storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";
import { type Child, complaints, spawnFixture } from "./processes.ts";

let db: ReturnType<typeof tempDbUrl>;
let children: Child[] = [];
afterEach(() => {
  children.forEach((c) => c.kill("SIGKILL"));
  children = [];
  db?.cleanup();
});

/** A run recorded by a worker process (flow-proc.mjs): its processor's start and end. */
interface Run {
  task_id: string;
  pid: string;
  start: number;
  end: number;
}

/** SIGTERMs `cs` and checks each exited cleanly, having complained of nothing. */
async function stop(cs: Child[]): Promise<void> {
  cs.forEach((c) => c.kill("SIGTERM"));
  for (const e of await Promise.all(cs.map((c) => c.exit))) {
    expect({ code: e.code, signal: e.signal, complaints: complaints(e.stderr) }).toEqual({
      code: 0,
      signal: null,
      complaints: "",
    });
  }
}

describe.each(fileDrivers())("on %s", (driver) => {
  it("SIGKILL of the worker running the last dependency: the dependant runs exactly once, after the dependency's re-run", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const raw = await rawDb(db.url, { driver });
    await raw.execute("CREATE TABLE runs (task_id TEXT NOT NULL, pid TEXT NOT NULL, start INTEGER, end INTEGER)");
    const topic = uniq("crash");
    const b = await taskq.createTask({ topic: uniq("first") });
    const a = await taskq.createTask({ topic, maxAttempts: 3, data: "last" });
    const d = await taskq.createTask({ topic, dependsOn: [b.taskId, a.taskId], data: "dependant" });
    expect((await taskq.reserveTask(b.topic, "here"))?.taskId).toBe(b.taskId);
    await taskq.terminate(b.taskId, "here");
    expect(await taskq.task(d.taskId)).toMatchObject({ status: "blocked" }); // A is left

    // a worker process takes A with a lease of 1 s and dies running it
    const doomed = spawnFixture("worker-proc.mjs", [db.url, topic, "doomed", "1", "1000", "hang"], { driver });
    children.push(doomed);
    await doomed.printed(`started ${a.taskId}`);
    doomed.kill("SIGKILL");
    expect((await doomed.exit).signal).toBe("SIGKILL");
    const stuck = (await taskq.task(a.taskId))!;
    expect(stuck).toMatchObject({ status: "running", pid: "doomed", attempts: 1 });
    expect(await taskq.task(d.taskId)).toMatchObject({ status: "blocked" });

    // two other worker processes: one re-runs A once its lease expired, then D runs, in one of them, once
    const rescuers = [0, 1].map((i) =>
      spawnFixture("flow-proc.mjs", ["worker", db.url, topic, `rescuer-${i}`, "2"], { driver })
    );
    children.push(...rescuers);
    await Promise.all(rescuers.map((c) => c.printed("ready")));
    const done = await waitFor(
      async () => {
        const t = (await taskq.task(d.taskId))!;
        return t.status === "terminated" ? t : null;
      },
      20_000,
      "the dependant to run",
    );
    await stop(rescuers);
    children = [];

    const runs = (await raw.execute("SELECT task_id, pid, start, end FROM runs")).rows as unknown as Run[];
    const runA = runs.filter((r) => r.task_id === a.taskId);
    const runD = runs.filter((r) => r.task_id === d.taskId);
    expect([runA.length, runD.length]).toEqual([1, 1]);
    expect(await taskq.task(a.taskId)).toMatchObject({ status: "terminated", attempts: 2, lastPid: runA[0].pid });
    expect(done).toMatchObject({ attempts: 1, lastPid: runD[0].pid });
    // A's re-run began after its lease expired; D began after A's re-run ended
    expect(runA[0].start).toBeGreaterThanOrEqual(stuck.leaseExpiresAt!);
    expect(runD[0].start).toBeGreaterThanOrEqual(runA[0].end);
    expect(done.dependsOn).toEqual([{ taskId: b.taskId, status: "terminated" }, {
      taskId: a.taskId,
      status: "terminated",
    }]);
    raw.close();
    await taskq.close();
  });

  it("3 processes seal one group at once and finish its last 12 tasks at the same moment: one follow-up, run once", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const raw = await rawDb(db.url, { driver });
    await raw.execute("CREATE TABLE runs (task_id TEXT NOT NULL, pid TEXT NOT NULL, start INTEGER, end INTEGER)");
    const topic = uniq("members");
    const follow = uniq("follow-up");
    const group = uniq("g");
    const members = await taskq.createTasks(
      Array.from({ length: 30 }, (_, i) => ({ topic, taskGroupId: group, data: i, maxAttempts: 1 })),
    );
    // the first 18 end here, a few each way (a follow-up runs whatever the outcomes)
    for (let i = 0; i < 18; i++) {
      const t = (await taskq.reserveTask(topic, "here"))!;
      if (i % 6 === 0) await taskq.fail(t.taskId, "here", "no");
      else await taskq.terminate(t.taskId, "here");
    }
    // each process reserves 4 of the last 12, then all seal at once, then all finish their 4 at once
    const dir = join(db.path, "..");
    const [seal, finish] = [join(dir, "seal"), join(dir, "finish")];
    children = [0, 1, 2].map((i) =>
      spawnFixture("flow-proc.mjs", ["group", db.url, topic, group, "4", `p${i}`, seal, finish, follow], { driver })
    );
    await Promise.all(children.map((c) => c.printed("reserved")));
    expect(await taskq.countTasks({ topic, status: "running" })).toBe(12);
    writeFileSync(seal, "");
    await Promise.all(children.map((c) => c.printed("sealed")));
    const fu = (await groupFollowUp(taskq, group))!;
    // the follow-up waits for all 30 (the 12 running), and does not start before the last of them ends
    expect(fu).toMatchObject({ status: "blocked", followUpOf: group, topic: follow });
    // (a follow-up's dependsOn is []: its dependencies are its group's tasks, read by dependencies())
    const waits = await dependencies(taskq, fu.taskId, { limit: 100 });
    expect(waits.data.map((x) => x.taskId).sort()).toEqual(members.map((m) => m.taskId).sort());

    writeFileSync(finish, "");
    await Promise.all(children.map((c) => c.printed("terminated")));
    const done = await waitFor(
      async () => {
        const t = (await taskq.task(fu.taskId))!;
        return t.status === "terminated" ? t : null;
      },
      15_000,
      "the follow-up to run",
    );
    await stop(children);
    const seals = (await Promise.all(children.map((c) => c.exit))).map((e) =>
      JSON.parse(/^sealed (.*)$/m.exec(e.stdout)![1]) as { taskId: string; deduplicated: boolean }
    );
    children = [];

    // one seal won; the other two were answered with its follow-up
    expect(seals.map((s) => s.taskId)).toEqual([fu.taskId, fu.taskId, fu.taskId]);
    expect(seals.filter((s) => !s.deduplicated).length).toBe(1);
    // exactly one follow-up exists, and it ran exactly once, after the last member ended
    const followUps: Task[] = (await listTasks(taskq, { topic: follow })).data;
    expect(followUps.map((t) => t.taskId)).toEqual([fu.taskId]);
    const runs = (await raw.execute("SELECT task_id, pid, start, end FROM runs")).rows as unknown as Run[];
    expect(runs.map((r) => r.task_id)).toEqual([fu.taskId]);
    // the follow-up is the winner's (its data), not one of the others'
    const winner = seals.findIndex((s) => !s.deduplicated);
    expect(done).toMatchObject({ attempts: 1, data: { sealedBy: `p${winner}` } });
    const lastEnd = Math.max(...(await Promise.all(members.map((m) => taskq.task(m.taskId)))).map((t) => t!.updatedAt));
    expect(runs[0].start).toBeGreaterThanOrEqual(lastEnd);
    raw.close();
    await taskq.close();
  });
});
