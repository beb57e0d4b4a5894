/**
 * A worker over a slow link keeps more than one call in flight (writer.ts) and reserves ahead of its free
 * slots (prefetch.ts), and every task still runs once. Real sqld, reached through the benchmark's delaying
 * proxy (bench/delay-proxy.mjs) or through a client that holds each call back a random while, so that two
 * calls in flight reach the server, and commit, in either order. No timing is asserted: every wait is a
 * condition with a deadline.
 */
import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createTaskQ, ok, type Task, type TaskQ, worker } from "../mod.ts";
import { startDelayProxy } from "../bench/delay-proxy.mjs";
import { callsInFlightOf } from "../src/worker-path.ts";
import { Prefetch } from "../src/worker/prefetch.ts";
import { tempDbUrl, uniq, waitFor } from "./helpers.ts";

type Client = ReturnType<typeof createClient>;

/** A client on `url` whose calls are counted (and the most ever in flight at once), each held back by `hold()` ms first. */
function watchedClient(url: string, hold: () => number = () => 0) {
  const real = createClient({ url, authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
  /** `reordered`: calls answered while one sent before them was still unanswered (they overtook it). */
  const seen = { calls: 0, inFlight: 0, maxInFlight: 0, reordered: 0 };
  const pending = new Set<number>();
  const client = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === "execute" || key === "batch") {
        return async (...args: unknown[]) => {
          const id = seen.calls++;
          seen.inFlight++;
          seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
          pending.add(id);
          try {
            const ms = hold();
            if (ms > 0) await new Promise((r) => setTimeout(r, ms));
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            seen.inFlight--;
            pending.delete(id);
            if ([...pending].some((other) => other < id)) seen.reordered++;
          }
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Client;
  return { client, seen, close: () => real.close() };
}

let proxy: Awaited<ReturnType<typeof startDelayProxy>>;
beforeAll(async () => {
  // 5 ms each way: 10 ms more per round trip than loopback
  proxy = await startDelayProxy({ port: Number(new URL(inject("remoteUrl")).port), delayMs: 5 });
});
afterAll(() => proxy?.close());

/** Creates `n` tasks on `topic` and runs a worker until each is done; every execution's task id counted. */
async function runAll(taskq: TaskQ, topic: string, n: number, opts: { concurrency: number; pfn?: () => unknown }) {
  const created = await taskq.createTasks(Array.from({ length: n }, (_, i) => ({ topic, data: i })));
  const runs = new Map<string, number>();
  const events: string[] = [];
  const w = worker({
    taskq,
    topic,
    concurrency: opts.concurrency,
    leaseTimeMs: 5_000,
    keepaliveMs: 40, // keepalives in flight beside outcomes
    pfn: async (task: Task) => {
      runs.set(task.taskId, (runs.get(task.taskId) ?? 0) + 1);
      await opts.pfn?.();
      return ok();
    },
  });
  for (const name of ["lease-lost", "error", "cancelled"]) w.addEventListener(name, () => events.push(name));
  let completed = 0;
  w.addEventListener("completed", () => completed++);
  await waitFor(() => completed >= n, 120_000, `${n} tasks completed`);
  await w.stop();
  return { created, runs, events };
}

it("the store says how many worker calls it takes in flight: 2 over a network, 1 on a file", async () => {
  const remote = createTaskQ({ url: inject("remoteUrl"), authToken: process.env.SOKKA_TEST_AUTH_TOKEN });
  const db = tempDbUrl();
  const file = createTaskQ({ url: db.url });
  try {
    expect(callsInFlightOf(remote)).toBe(2);
    expect(callsInFlightOf(file)).toBe(1);
    expect(callsInFlightOf({})).toBe(1);
  } finally {
    await remote.close();
    await file.close();
    db.cleanup();
  }
});

it("over a 10 ms round trip a worker at concurrency 32 has two calls in flight, and runs every task once", async () => {
  const watched = watchedClient(proxy.url);
  const taskq = createTaskQ({ client: watched.client });
  const topic = uniq("wan");
  const N = 800;
  try {
    const { created, runs, events } = await runAll(taskq, topic, N, { concurrency: 32 });
    expect(watched.seen.maxInFlight).toBeGreaterThan(1);
    expect(proxy.connections()).toBeGreaterThan(0);
    expect(runs.size).toBe(N);
    expect([...runs.values()].filter((k) => k !== 1)).toEqual([]);
    expect(events).toEqual([]);
    // every task terminated in the store, checked one by one
    const stored = await Promise.all(created.map((t) => taskq.task(t.taskId)));
    expect(stored.filter((t) => t?.status !== "terminated")).toEqual([]);
  } finally {
    await taskq.close();
    watched.close();
  }
}, 180_000);

it(
  "calls that commit out of order lose no outcome and give no task twice (keepalives in flight beside them)",
  async () => {
    // each call held back 0-15 ms at random before it leaves: a later call often commits first
    const watched = watchedClient(inject("remoteUrl"), () => Math.random() * 15);
    const taskq = createTaskQ({ client: watched.client });
    const topic = uniq("order");
    const N = 600;
    try {
      const { created, runs, events } = await runAll(taskq, topic, N, {
        concurrency: 16,
        // functions of 0-60 ms: outcomes trickle in, keepalives (every 40 ms) fall due while others are in flight
        pfn: () => new Promise((r) => setTimeout(r, Math.random() * 60)),
      });
      expect(watched.seen.maxInFlight).toBeGreaterThan(1);
      expect(watched.seen.reordered).toBeGreaterThan(0);
      expect(runs.size).toBe(N);
      expect([...runs.values()].filter((k) => k !== 1)).toEqual([]);
      expect(events).toEqual([]);
      const stored = await Promise.all(created.map((t) => taskq.task(t.taskId)));
      expect(stored.filter((t) => t?.status !== "terminated" || t.attempts !== 1)).toEqual([]);
    } finally {
      await taskq.close();
      watched.close();
    }
  },
  180_000,
);

it("a stop hands back the tasks reserved ahead: none is left running or leased", async () => {
  const watched = watchedClient(proxy.url);
  const taskq = createTaskQ({ client: watched.client });
  const topic = uniq("handback");
  const N = 2_000;
  try {
    await taskq.createTasks(Array.from({ length: N }, (_, i) => ({ topic, data: i })));
    let completed = 0;
    const w = worker({ taskq, topic, concurrency: 16, pfn: () => ok() });
    w.addEventListener("completed", () => completed++);
    await waitFor(() => completed >= 300, 60_000, "300 tasks completed");
    await w.stop();
    expect(await taskq.countTasks({ topic, status: "running" })).toBe(0);
    const done = await taskq.countTasks({ topic, status: "terminated" });
    // the rest can be reserved at once by another worker (handed back, not left to their lease)
    const other = await taskq.reserveTasks(topic, "other", 1000);
    expect(done + other.length).toBe(Math.min(N, done + 1000));
  } finally {
    await taskq.close();
    watched.close();
  }
}, 120_000);

it("Prefetch: tasks start in the order they came, expire after ttlMs, and the estimate is capped", () => {
  let now = 0;
  const p = new Prefetch(4, 1_000, () => now);
  const task = (id: string) => ({ taskId: id }) as Task;
  p.waiting.set("a", { task: task("a"), at: 0 });
  p.waiting.set("b", { task: task("b"), at: 500 });
  p.waiting.set("c", { task: task("c"), at: 900 });
  expect(p.nextExpiry()).toBe(1_000);
  expect(p.take()?.taskId).toBe("a");
  expect(p.expired(1_600).map((t) => t.taskId)).toEqual(["b"]);
  expect([...p.waiting.keys()]).toEqual(["c"]);
  expect(p.ahead).toBe(0); // nothing finished yet: nothing ahead
  // 10 functions done in the 100 ms to an answer that took 40 ms: 4 finish per round trip
  now = 100;
  for (let i = 0; i < 10; i++) p.settled();
  p.answered(60);
  expect(p.ahead).toBe(2); // smoothed: half way from 0 to 4
  now = 200;
  for (let i = 0; i < 100; i++) p.settled();
  p.answered(160);
  expect(p.ahead).toBe(4); // capped
});
