/**
 * Topic limits across real OS processes (issue 31, "Done when"): the
 * functions themselves record when each run was reserved (database clock),
 * started and ended (fixtures/limit-worker.mjs), and the limits are checked
 * on those records:
 *
 * - concurrency 5 under 4 processes × concurrency 32, 2,000 tasks, on one
 *   `file:` database and on a libSQL server (sqld, one of its own, in the
 *   layout recommended for many writers): at most 5 run at once,
 *   and 5 do;
 * - a process SIGKILLed while it holds the topic's 5 slots: another process
 *   reserves nothing of the topic before those leases end, then runs it all;
 * - 50 per second with a burst of 3, 3 processes, 20 s: at most 53
 *   (limit + burst) reservations in any second, and 50/s ± 10 % over the
 *   20 s. A burst, not 0: with burst 0 a token taken late (a wake-up's timer
 *   and write, ~2 ms here) is lost for good, so the rate reached is the
 *   limit less the mean lateness (44–46/s measured on 2 loaded cores); a
 *   burst of b absorbs lateness up to b tokens (60 ms here: the other cases
 *   load the cores meanwhile), and the bound stays exact;
 * - partitioned (concurrency 2 per key), 2 processes: a key's backlog does
 *   not hold another key up, and neither key ever runs more than 2.
 *
 * The cases run at once (the rate's 20 s is the floor of the file's time),
 * the partitioned ones after them.
 */
import { afterAll, describe, type ExpectStatic, it } from "vitest";
import { createTaskQ, ok, type TaskQ, worker } from "../mod.ts";
import { type Child, spawnFixture } from "./processes.ts";
import { expectCleanExit } from "./clean-exit.ts";
import { storeOn, tempDbUrl, uniq, waitFor } from "./helpers.ts";
import { RECOMMENDED_FLAGS, startSqld } from "./sqld.ts";

/** One run as the function recorded it: `at` reserved (database clock), `start`/`end` by Date.now(). */
interface Run {
  id: string;
  key: string | null;
  at: number;
  start: number;
  end: number;
  pid: string;
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/**
 * A store on a fresh `file:` database (and its URL for the children), or on a sqld of its own (the recommended
 * layout for many writer processes): four processes hammering the suite's shared sqld would slow every other
 * test on it.
 */
async function database(kind: "file" | "sqld"): Promise<{ url: string; taskq: TaskQ }> {
  if (kind === "sqld") {
    const sqld = await startSqld({ flags: RECOMMENDED_FLAGS });
    const taskq = createTaskQ({ url: sqld.url });
    cleanups.push(async () => {
      await taskq.close();
      await sqld.stop();
    });
    return { url: sqld.url, taskq };
  }
  const db = tempDbUrl();
  const taskq = storeOn(db.url);
  cleanups.push(async () => {
    await taskq.close();
    db.cleanup();
  });
  return { url: db.url, taskq };
}

/** `n` worker processes of `topic`, each once it printed "ready". */
async function workers(
  n: number,
  url: string,
  topic: string,
  opts: { concurrency: number; leaseTimeMs: number; hold: number | "hang"; prefix?: string },
): Promise<{ child: Child; pid: string }[]> {
  const procs = Array.from({ length: n }, (_, i) => {
    const pid = `${opts.prefix ?? "w"}${i}`;
    const args = [url, topic, pid, String(opts.concurrency), String(opts.leaseTimeMs), String(opts.hold)];
    return { child: spawnFixture("limit-worker.mjs", args), pid };
  });
  await Promise.all(procs.map((p) => p.child.printed("ready")));
  for (const p of procs) cleanups.push(() => p.child.kill("SIGKILL"));
  return procs;
}

/** Stops the processes (SIGTERM): each exits 0, having complained of nothing; every run they recorded. */
async function runsOf(procs: { child: Child; pid: string }[], expect: ExpectStatic): Promise<Run[]> {
  procs.forEach((p) => p.child.kill("SIGTERM"));
  const runs: Run[] = [];
  for (const p of procs) {
    const exit = await p.child.exit;
    expectCleanExit(exit);
    const line = /^runs (.*)$/m.exec(exit.stdout);
    expect(line).not.toBeNull();
    for (const r of JSON.parse(line![1]) as Omit<Run, "pid">[]) runs.push({ ...r, pid: p.pid });
  }
  return runs;
}

/**
 * The most runs under way at once. A run that ended at the very millisecond
 * another started ended first: it ended (Date.now()) before its outcome was
 * written, which came before the other's reservation.
 */
function maxRunning(runs: Run[]): number {
  const events = runs.flatMap((r) => [[r.start, 1], [r.end, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, now += d);
  return max;
}

/** The most reservations in any window of `ms` (a fullest window starts at a reservation). */
function maxInWindow(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j] < t[i] + ms) j++;
    max = Math.max(max, j - i);
  }
  return max;
}

/** Waits (deadline) until `topic` has `n` tasks of `status`. */
const reach = (taskq: TaskQ, topic: string, status: "terminated" | "running", n: number, ms: number) =>
  waitFor(async () => (await taskq.countTasks({ topic, status })) >= n, ms, `${n} ${status} tasks of ${topic}`);

describe.concurrent("topic limits across processes", () => {
  it.for(["file", "sqld"] as const)(
    "concurrency 5, 4 processes × concurrency 32, 2,000 tasks on %s: at most 5 run at once, and 5 do",
    // on sqld every reservation and outcome is a round trip: 2,000 tasks at 5 at once take a while
    { timeout: 180_000 },
    async (kind, { expect }) => {
      const { url, taskq } = await database(kind);
      const topic = uniq("cap");
      await taskq.setTopicLimits(topic, { concurrency: 5 });
      const procs = await workers(4, url, topic, { concurrency: 32, leaseTimeMs: 30_000, hold: 3 });
      // made once every process waits for them, so that all four race for the slots from the first
      await taskq.createTasks(Array.from({ length: 2000 }, (_, i) => ({ topic, data: i })));
      await reach(taskq, topic, "terminated", 2000, 110_000);
      const runs = await runsOf(procs, expect);
      expect(new Set(runs.map((r) => r.id)).size).toBe(2000);
      expect(runs.length).toBe(2000);
      expect(maxRunning(runs)).toBe(5);
    },
  );

  it("a process SIGKILLed at the cap holds its slots until its leases end; then another takes the topic", async ({ expect }) => {
    const { url, taskq } = await database("file");
    const topic = uniq("killed");
    await taskq.setTopicLimits(topic, { concurrency: 5 });
    const tasks = await taskq.createTasks(Array.from({ length: 20 }, (_, i) => ({ topic, data: i })));
    // the holder keeps its 5 leases (5 s, kept alive from 3.5 s on: slack for a loaded machine) while it lives
    const [holder] = await workers(1, url, topic, { concurrency: 32, leaseTimeMs: 5_000, hold: "hang", prefix: "h" });
    await reach(taskq, topic, "running", 5, 15_000);
    // the rescuer waits at the cap, in another process, before the holder dies
    const rescuer = await workers(1, url, topic, { concurrency: 32, leaseTimeMs: 30_000, hold: 3, prefix: "r" });
    holder.child.kill("SIGKILL");
    const killed = await holder.child.exit;
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stderr).not.toContain("lease lost"); // it held all 5 until it died
    const held = (await taskq.listTasks({ topic, status: "running" })).data;
    expect(held.length).toBe(5);
    expect(held.every((t) => t.pid === "h0")).toBe(true);
    const firstEnd = Math.min(...held.map((t) => t.leaseExpiresAt!));

    await reach(taskq, topic, "terminated", 20, 30_000);
    const runs = await runsOf(rescuer, expect);
    expect(runs.map((r) => r.id).sort()).toEqual(tasks.map((t) => t.taskId).sort());
    // nothing was reserved (database clock) before the first of the dead leases ended
    expect(Math.min(...runs.map((r) => r.at))).toBeGreaterThanOrEqual(firstEnd);
    // the dead process's tasks ran again, their lapsed attempt counted
    for (const t of held) expect(await taskq.task(t.taskId)).toMatchObject({ status: "terminated", attempts: 2 });
    expect(maxRunning(runs)).toBeLessThanOrEqual(5);
  });

  it("50 per second (burst 3), 3 processes, 20 s: at most 53 in any second, and 50/s ± 10 % over the run", async ({ expect }) => {
    const { url, taskq } = await database("file");
    const topic = uniq("rate");
    await taskq.setTopicLimits(topic, { rate: { limit: 50, periodMs: 1_000, burst: 3 } });
    const procs = await workers(3, url, topic, { concurrency: 8, leaseTimeMs: 60_000, hold: 1 });
    await taskq.createTasks(Array.from({ length: 1_300 }, (_, i) => ({ topic, data: i })));
    // 20 s of reservations and a little more (at the limit: 1,003 and 1,050); a slower rate takes longer
    await reach(taskq, topic, "terminated", 1_060, 40_000);
    const runs = await runsOf(procs, expect);
    const at = runs.map((r) => r.at);
    const first = Math.min(...at);
    const inRun = at.filter((t) => t < first + 20_000);
    expect(maxInWindow(at, 1_000)).toBeLessThanOrEqual(53); // limit + burst
    const perSecond = inRun.length / 20;
    expect(perSecond).toBeGreaterThanOrEqual(45);
    expect(perSecond).toBeLessThanOrEqual(55);
    expect(new Set(runs.map((r) => r.pid)).size).toBe(3); // every process took part
  });
});

// After the cases above, not beside them: a worker that cannot reserve a partitioned topic's tasks loops on
// reservations that find nothing (its idle wait answers at once: a key's task is reservable), starving the rest.
// On 494e743 every worker outside the process that set the limits did (its reservation, applyWritesAndReserve,
// never looked whether the topic became partitioned; reserveTask/reserveTasks do).
describe("partitioned topic limits across processes", () => {
  it("partitioned, concurrency 2 per key, 2 processes: key B runs while key A's backlog waits", async ({ expect }) => {
    const { url, taskq } = await database("file");
    const topic = uniq("keyed");
    await taskq.setTopicLimits(topic, { concurrency: 2, partitioned: true });
    const procs = await workers(2, url, topic, { concurrency: 8, leaseTimeMs: 30_000, hold: 20 });
    // A's backlog first: every A task is older than every B task
    await taskq.createTasks(Array.from({ length: 300 }, (_, i) => ({ topic, partitionKey: "A", data: i })));
    await taskq.createTasks(Array.from({ length: 20 }, (_, i) => ({ topic, partitionKey: "B", data: i })));
    await reach(taskq, topic, "terminated", 320, 50_000);
    const runs = await runsOf(procs, expect);
    const a = runs.filter((r) => r.key === "A");
    const b = runs.filter((r) => r.key === "B");
    expect([a.length, b.length]).toEqual([300, 20]);
    // all of B ended before the last of A's backlog had even started
    expect(Math.max(...b.map((r) => r.end))).toBeLessThan(Math.max(...a.map((r) => r.start)));
    expect(maxRunning(a)).toBe(2);
    expect(maxRunning(b)).toBe(2);
    // which process takes a freed slot is not promised: the worker whose outcome frees it reserves again in the
    // same round trip, so one process may keep every slot of a key while it has tasks
  });

  // The partitioned case above on one store: a worker on a store that did not set the limits itself (as in any
  // other process) must learn that the topic is partitioned, as reserveTask/reserveTasks do.
  it("a worker whose store did not set a topic's partitioned limits runs its tasks", async ({ expect }) => {
    const { url, taskq } = await database("file");
    const topic = uniq("keyed-elsewhere");
    await taskq.setTopicLimits(topic, { concurrency: 2, partitioned: true });
    await taskq.createTasks(Array.from({ length: 10 }, (_, i) => ({ topic, partitionKey: "A", data: i })));
    const other = storeOn(url);
    let ran = 0;
    const w = worker({ taskq: other, topic, concurrency: 8, maxPollIntervalMs: 200, pfn: () => (ran++, ok()) });
    try {
      await waitFor(() => ran === 10, 15_000, "the worker of the other store to run the 10 tasks");
    } finally {
      await w.stop();
      await other.close();
    }
    expect(await taskq.countTasks({ topic, status: "terminated" })).toBe(10);
  });
});
