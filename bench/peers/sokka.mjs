// sokka through its public API, from the build (npm run build), on a fresh `file:` database.
// See lib.mjs for the tests. process: one worker(), concurrency 32, no-op pfn, timed from worker() to the
// N-th "completed" event (sent after the task's commit), then every task is checked to be terminated.
import { fileURLToPath } from "node:url";
import { createTask, createTaskQ, createTasks, ok, scrollTasks, worker } from "../../dist/mod.js";
import { check, CONCURRENCY, now, options, pickup, removeDb, report, secondsSince, started, watchdog } from "./lib.mjs";

const opt = options();
const N = opt.n;
const url = `file:${opt.url}`;
const taskq = createTaskQ({ url });
const defs = Array.from(
  { length: N },
  (_, i) => ({ topic: "bench", data: { i } }),
);
await createTask(taskq, { topic: "warm-up" }); // the schema is created on first use, untimed

if (opt.child) {
  const w = worker({
    taskq,
    topic: "pickup",
    pfn: (t) => (started(t.data.i), ok()),
  });
  process.on("SIGTERM", async () => {
    await w.stop();
    await taskq.close();
    process.exit(0);
  });
  console.log("ready");
} else {
  watchdog(300, () => removeDb(opt.url));
  process.on("exit", () => removeDb(opt.url));
  let seconds;
  if (opt.test === "enqueue") {
    const t0 = now();
    for (const d of defs) await createTask(taskq, d);
    seconds = secondsSince(t0);
  } else if (opt.test === "bulk") {
    const t0 = now();
    await createTasks(taskq, defs);
    seconds = secondsSince(t0);
  } else if (opt.test === "process") {
    for (let i = 0; i < N; i += 1000) {
      await createTasks(taskq, defs.slice(i, i + 1000));
    }
    let done = 0, allDone;
    const all = new Promise((r) => (allDone = r));
    const t0 = now();
    const w = worker({
      taskq,
      topic: "bench",
      concurrency: CONCURRENCY,
      pfn: () => ok(),
    });
    w.addEventListener("completed", () => ++done === N && allDone());
    await all;
    seconds = secondsSince(t0);
    await w.stop();
    let terminated = 0;
    for await (
      const _ of scrollTasks(taskq, { topic: "bench", status: "terminated" }, {
        limit: 1000,
      })
    ) terminated++;
    check(terminated, N, "terminated tasks");
  } else if (opt.test === "pickup") {
    const ms = await pickup(
      fileURLToPath(import.meta.url),
      process.argv.slice(2),
      opt,
      (i) => createTask(taskq, { topic: "pickup", data: { i } }),
    );
    report({ test: "pickup", ms });
  } else throw new Error(`unknown --test ${opt.test}`);
  await taskq.close();
  if (seconds !== undefined) report({ test: opt.test, ops: N, seconds });
  process.exit(0);
}
