// BullMQ on Redis (ioredis client), public API. run.mjs starts a fresh private redis-server for each
// measurement (appendonly yes, appendfsync everysec, no RDB snapshots) and passes its URL.
// See lib.mjs for the tests. process: one Worker, concurrency 32, async no-op processor, job options at
// their defaults (completed jobs are kept, as sokka keeps terminated tasks), timed from worker.run() to
// the N-th "completed" event (sent after the job moved to completed), then the completed count is checked.
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import { fileURLToPath } from "node:url";
import { check, CONCURRENCY, now, options, pickup, report, secondsSince, started, watchdog } from "./lib.mjs";

const opt = options();
const N = opt.n;
// BullMQ's native-ESM build wants a client instance; workers need maxRetriesPerRequest: null.
const connect = () => new IORedis(opt.url, { maxRetriesPerRequest: null });
const connection = connect();
const data = Array.from({ length: N }, (_, i) => ({ i }));

if (opt.child) {
  const w = new Worker("pickup", async (job) => started(job.data.i), {
    connection: connect(),
  });
  await w.waitUntilReady();
  process.on("SIGTERM", async () => {
    await w.close();
    process.exit(0);
  });
  console.log("ready");
} else {
  watchdog(300);
  const queue = new Queue(opt.test === "pickup" ? "pickup" : "bench", {
    connection,
  });
  await queue.waitUntilReady();
  const warm = new Queue("warm-up", { connection });
  await warm.add("warm-up", {}); // connects and loads the Lua scripts, untimed
  let seconds;
  if (opt.test === "enqueue") {
    const t0 = now();
    for (const d of data) await queue.add("bench", d);
    seconds = secondsSince(t0);
    check(await queue.getWaitingCount(), N, "waiting jobs");
  } else if (opt.test === "bulk") {
    const t0 = now();
    await queue.addBulk(data.map((d) => ({ name: "bench", data: d })));
    seconds = secondsSince(t0);
    check(await queue.getWaitingCount(), N, "waiting jobs");
  } else if (opt.test === "process") {
    for (let i = 0; i < N; i += 1000) {
      await queue.addBulk(
        data.slice(i, i + 1000).map((d) => ({ name: "bench", data: d })),
      );
    }
    let done = 0, allDone;
    const all = new Promise((r) => (allDone = r));
    const w = new Worker("bench", async () => {}, {
      connection: connect(),
      concurrency: CONCURRENCY,
      autorun: false,
    });
    w.on("completed", () => ++done === N && allDone());
    w.on("error", (e) => console.error(e));
    const t0 = now();
    const running = w.run();
    await all;
    seconds = secondsSince(t0);
    await w.close();
    await running;
    check(await queue.getCompletedCount(), N, "completed jobs");
  } else if (opt.test === "pickup") {
    const ms = await pickup(
      fileURLToPath(import.meta.url),
      process.argv.slice(2),
      opt,
      (i) => queue.add("pickup", { i }),
    );
    report({ test: "pickup", ms });
  } else throw new Error(`unknown --test ${opt.test}`);
  await warm.close();
  await queue.close();
  await connection.quit();
  if (seconds !== undefined) report({ test: opt.test, ops: N, seconds });
  process.exit(0);
}
