/**
 * A libSQL server that stops answering (SIGSTOP: the process is frozen, its
 * sockets stay open, nothing errors): every call is cut at the store's
 * `requestTimeoutMs`, workers say so with `store-timeout` error events and
 * keep trying, `stop()` resolves, and once the server runs again (SIGCONT)
 * the same workers finish every task, each executed once.
 */
import { afterEach, expect, it } from "vitest";
import { createTaskQ, ok, type Task, type TaskQ, worker } from "../mod.ts";
import { waitFor } from "./helpers.ts";
import { startSqld } from "./sqld.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server() {
  const sqld = await startSqld();
  cleanups.push(() => sqld.stop());
  // the schema first, with the default timeout: creating it is one batch of some 30 statements, which a loaded
  // machine may take longer than the 500 ms this test cuts calls at (its subject is the calls, not the opening)
  const opener = createTaskQ({ url: sqld.url });
  await opener.countTasks();
  await opener.close();
  const freeze = () => process.kill(sqld.pid, "SIGSTOP");
  const thaw = () => process.kill(sqld.pid, "SIGCONT");
  cleanups.push(thaw);
  return { url: sqld.url, freeze, thaw };
}

function store(url: string): TaskQ {
  const taskq = createTaskQ({ url, requestTimeoutMs: 500 });
  cleanups.push(() => taskq.close());
  return taskq;
}

const terminated = async (taskq: TaskQ, topic: string) => (await taskq.countTasks({ topic, status: "terminated" }));

it("cuts every call at requestTimeoutMs, reports store-timeout, and resumes with nothing lost", async () => {
  const { url, freeze, thaw } = await server();
  const taskq = store(url);
  const topic = "hang";
  const tasks = await taskq.createTasks(Array.from({ length: 150 }, (_, i) => ({ topic, data: i })));
  const runs = new Map<string, number>();
  const errors: { code?: string }[] = [];
  const w = worker({
    taskq,
    topic,
    concurrency: 8,
    leaseTimeMs: 3_000,
    keepaliveMs: 1_000,
    maxPollIntervalMs: 200,
    pfn: async (t: Task) => {
      runs.set(t.taskId, (runs.get(t.taskId) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      return ok();
    },
  });
  cleanups.push(() => w.stop());
  w.addEventListener("error", (e) => errors.push((e as CustomEvent).detail));
  await waitFor(async () => (await terminated(taskq, topic)) >= 20, 30_000, "some tasks done before the hang");

  freeze();
  await waitFor(() => errors.some((e) => e.code === "store-timeout"), 15_000, "a store-timeout error event");
  // a direct call is cut at the deadline too, with the same code
  await expect(taskq.task(tasks[0].taskId)).rejects.toMatchObject({ code: "store-timeout", type: "unavailable" });
  thaw();

  // the same worker goes on by itself: a task whose outcome write was cut off (its outcome unknown)
  // stays running until its lease lapses, and is then taken again
  await waitFor(async () => (await terminated(taskq, topic)) === tasks.length, 60_000, "every task terminated");
  await w.stop();
  // executed once each, except those whose outcome write the hang cut off (re-run after their lease lapsed):
  // at most what the worker held when the server froze, its 8 running and up to 2 × 8 reserved ahead over a
  // network (docs/scaling.md, "Workers over a slow link"), which start as slots free and whose outcomes are
  // cut too
  const twice = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
  expect(twice.length).toBeLessThanOrEqual(8 + 2 * 8);
  expect(runs.size).toBe(tasks.length);
});

it("stop() resolves while the server hangs", async () => {
  const { url, freeze, thaw } = await server();
  const taskq = store(url);
  const topic = "hang-stop";
  await taskq.createTasks(Array.from({ length: 20 }, () => ({ topic })));
  let started = 0;
  const w = worker({
    taskq,
    topic,
    concurrency: 4,
    maxPollIntervalMs: 200,
    pfn: async () => {
      started++;
      await new Promise((r) => setTimeout(r, 50));
      return ok();
    },
  });
  w.addEventListener("error", () => {});
  await waitFor(() => started >= 4, 30_000, "tasks running");
  freeze();
  let stopped = false;
  const stopping = w.stop().then(() => (stopped = true));
  // each call under way is cut at 500 ms; nothing waits on the frozen server for good
  await waitFor(() => stopped, 10_000, "stop() to resolve");
  await stopping;
  thaw();
});
