/**
 * Workers in real OS processes: a crash mid-task (SIGKILL), many processes
 * on one file with exactly-once execution, and a process that exits by
 * itself after stop(). Once per SQLite library this runtime has for `file:`
 * databases (fileDrivers()): the test's own store and raw connection and
 * every child open the file through that library.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ok, scrollTasks, type Task, worker } from "../mod.ts";
import { fileDrivers, rawDb, storeOn, tempDbUrl, waitFor } from "./helpers.ts";
import { complaints, spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";

let db: ReturnType<typeof tempDbUrl>;
afterEach(() => db?.cleanup());

describe.each(fileDrivers())("on %s", (driver) => {
  it(`a child process opens the file through ${driver}, the library the test names`, async () => {
    db = tempDbUrl();
    const exit = await spawnFixture("store-info.mjs", [db.url], { driver }).exit;
    expect(complaints(exit.stderr)).toBe("");
    expect(JSON.parse(exit.stdout)).toMatchObject({ driver });
  });

  it("crash: a worker SIGKILLed mid-task loses nothing; another takes the task after the lease expires", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const t = await taskq.createTask({ topic: "crash", data: "precious" });
    const child = spawnFixture("worker-proc.mjs", [db.url, "crash", "doomed", "1", "1000", "hang"], { driver });
    await child.printed(`started ${t.taskId}`);
    child.kill("SIGKILL");
    const exit = await child.exit;
    expect(exit.signal).toBe("SIGKILL");
    const stuck = (await taskq.task(t.taskId))!;
    expect(stuck).toMatchObject({ status: "running", pid: "doomed", attempts: 1 });

    const ran: Task[] = [];
    const rescuer = worker({
      taskq,
      topic: "crash",
      pid: "rescuer",
      maxPollIntervalMs: 100,
      pfn: (task) => {
        ran.push(task);
        return ok();
      },
    });
    const done = await waitFor(
      async () => {
        const now = (await taskq.task(t.taskId))!;
        return now.status === "terminated" ? now : null;
      },
      15_000,
      "the rescued task to complete",
    );
    await rescuer.stop();
    expect(ran.length).toBe(1);
    expect(ran[0]).toMatchObject({ taskId: t.taskId, data: "precious", pid: "rescuer", attempts: 2 });
    expect(ran[0].leaseId).not.toBe(stuck.leaseId);
    expect(done.attempts).toBe(2);
    await taskq.close();
  });

  it("load: 1,000 tasks, 3 worker processes × concurrency 4 on one file: each executed exactly once", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const raw = await rawDb(db.url, { driver });
    await raw.execute("CREATE TABLE executions (task_id TEXT NOT NULL, pid TEXT NOT NULL)");

    const children = Array.from(
      { length: 3 },
      (_, i) => spawnFixture("worker-proc.mjs", [db.url, "load", `w${i}`, "4", "30000", "count"], { driver }),
    );
    await Promise.all(children.map((c) => c.printed("ready")));
    // The tasks come once every process waits for them: made before, the first process to start could run all
    // 1,000 before the last one started (it did, once the store got faster). Each takes 5 ms ("count"), so two
    // processes need over 600 ms for them all: the third, idle until its next look, cannot miss them either.
    await taskq.createTasks(Array.from({ length: 1000 }, (_, i) => ({ topic: "load", data: i })));
    // A light probe on a plain connection, polled every 100 ms (see the note on readers in docs/store.md, "Storage notes").
    const terminated = async () =>
      Number(
        (await raw.execute("SELECT count(*) AS n FROM sokka_tasks WHERE status = 'terminated' AND ready_at IS NULL"))
          .rows[0].n,
      );
    const deadline = Date.now() + 50_000;
    while ((await terminated()) < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    children.forEach((c) => c.kill("SIGTERM"));
    const exits = await Promise.all(children.map((c) => c.exit));
    for (const e of exits) {
      expectCleanExit(e);
    }

    const counts = await raw.execute("SELECT task_id, count(*) AS n FROM executions GROUP BY task_id");
    expect(counts.rows.length).toBe(1000);
    expect(counts.rows.every((r) => Number(r.n) === 1)).toBe(true);
    const byPid = await raw.execute("SELECT pid, count(*) AS n FROM executions GROUP BY pid");
    expect(byPid.rows.length).toBe(3); // every process took part
    const all: Task[] = [];
    for await (const t of scrollTasks(taskq, { topic: "load" }, { limit: 1000 })) all.push(t);
    expect(all.length).toBe(1000);
    expect(all.every((t) => t.status === "terminated" && t.attempts === 1)).toBe(true);
    raw.close();
    await taskq.close();
  });

  /** Runs a fixture that never calls process.exit and expects it to end by itself (deadline 15 s) after printing `text`. */
  async function exitsByItself(script: string, args: string[], text: string): Promise<void> {
    const child = spawnFixture(script, args, { driver });
    const exit = await Promise.race([
      child.exit,
      new Promise<null>((r) => setTimeout(() => r(null), 15_000)),
    ]);
    if (exit === null) child.kill("SIGKILL");
    expect(exit).not.toBeNull();
    expect(exit!.code).toBe(0);
    expect(exit!.stdout).toContain(text);
  }

  it("a process exits by itself after await worker.stop(): no timer is left behind", async () => {
    db = tempDbUrl();
    await exitsByItself("worker-proc.mjs", [db.url, "idle", "idler", "2", "60000", "idle-stop"], "stopped");
  });

  it("a process exits by itself after creating tasks in a burst, even without closing its store", async () => {
    db = tempDbUrl();
    await exitsByItself("create-burst.mjs", [db.url], "created");
  });

  it("poison: a task whose worker process is SIGKILLed every time ends failed after maxAttempts", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const t = await taskq.createTask({ topic: "poison", maxAttempts: 3 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      // each process reserves it (after the last one's lease of 300 ms expired), starts, and dies
      const child = spawnFixture("worker-proc.mjs", [db.url, "poison", `victim-${attempt}`, "1", "300", "hang"], {
        driver,
      });
      await child.printed(`started ${t.taskId}`);
      child.kill("SIGKILL");
      await child.exit;
      expect(await taskq.task(t.taskId)).toMatchObject({ status: "running", attempts: attempt, failures: attempt - 1 });
    }
    // the next reservation after the third expiry ends it instead of running it a fourth time
    const ended = await waitFor(
      async () => {
        await taskq.reserveTask("poison", "fourth");
        const now = (await taskq.task(t.taskId))!;
        return now.status === "failed" ? now : null;
      },
      15_000,
      "the poison task to end failed",
    );
    expect(ended).toMatchObject({ attempts: 3, failures: 3, pid: null, leaseId: null, lastPid: "victim-3" });
    expect(ended.error).toMatch(/^lease expired: victim-3 /);
    await taskq.close();
  });

  it("cancel: a task cancelled by another process stops within a change poll, not at its next keepalive", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    const tasks = await taskq.createTasks([{ topic: "cancel-there" }, { topic: "cancel-there" }]);
    // a 10-minute lease: the child's first keepalive is minutes away, so only the change signal can tell it
    const child = spawnFixture("worker-proc.mjs", [db.url, "cancel-there", "far", "2", "600000", "hang"], { driver });
    for (const t of tasks) await child.printed(`started ${t.taskId}`);
    await taskq.cancelTask(tasks[0].taskId, "not wanted");
    await child.printed(`cancelled ${tasks[0].taskId}`);
    // the other task runs on, untouched
    expect(await taskq.task(tasks[1].taskId)).toMatchObject({ status: "running", pid: "far" });
    child.kill("SIGKILL");
    expect((await child.exit).stdout).not.toContain(`cancelled ${tasks[1].taskId}`);
    await taskq.close();
  });

  it("pause: pausing a topic stops reservation in another process at once; resuming restarts it", async () => {
    db = tempDbUrl();
    const taskq = storeOn(db.url, driver);
    await taskq.countTasks(); // the schema exists before the child opens the file
    const raw = await rawDb(db.url, { driver });
    await raw.execute("CREATE TABLE executions (task_id TEXT NOT NULL, pid TEXT NOT NULL)");
    const child = spawnFixture("worker-proc.mjs", [db.url, "paused", "other", "4", "30000", "count"], { driver });
    await child.printed("ready");
    const executions = async () => Number((await raw.execute("SELECT count(*) AS n FROM executions")).rows[0].n);

    await taskq.pauseTopic("paused");
    await taskq.createTasks(Array.from({ length: 20 }, () => ({ topic: "paused" })));
    // the child is woken by the create (data_version) and polls every 200 ms: give it ten polls
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      expect(await executions()).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await taskq.countTasks({ topic: "paused", status: "starting" })).toBe(20);

    await taskq.resumeTopic("paused");
    await waitFor(async () => (await executions()) === 20, 15_000, "the resumed topic's tasks to run");
    child.kill("SIGTERM");
    expect((await child.exit).code).toBe(0);
    raw.close();
    await taskq.close();
  });
});
