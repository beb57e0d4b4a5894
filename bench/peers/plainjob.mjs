// plainjob on better-sqlite3 (synchronous, in-process), public API, on a fresh database file.
// See lib.mjs for the tests. process: its one worker (defineWorker runs one job at a time; it has no
// concurrency option), async no-op handler, pollIntervall 1 ms (only used when it finds no job), timed
// from worker.start() to the N-th onCompleted (called after the job is marked done). Queue options are
// plainjob's defaults (it sets WAL, synchronous=NORMAL, busy_timeout=5000 itself). pickup: the worker's
// default pollIntervall (1 s), as a user gets it.
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, JobStatus } from "plainjob";
import { fileURLToPath } from "node:url";
import {
  check,
  now,
  options,
  pickup,
  removeDb,
  report,
  secondsSince,
  silentLogger,
  started,
  watchdog,
} from "./lib.mjs";

const opt = options();
const N = opt.n;
const queue = defineQueue({
  connection: better(new Database(opt.url)),
  logger: silentLogger,
});
const payloads = Array.from({ length: N }, (_, i) => ({ i }));

if (opt.child) {
  const w = defineWorker(
    "pickup",
    async (job) => started(JSON.parse(job.data).i),
    { queue, logger: silentLogger },
  );
  const running = w.start();
  process.on("SIGTERM", async () => {
    await w.stop();
    await running;
    queue.close();
    process.exit(0);
  });
  console.log("ready");
} else {
  watchdog(300, () => removeDb(opt.url));
  process.on("exit", () => removeDb(opt.url));
  let seconds;
  if (opt.test === "enqueue") {
    const t0 = now();
    for (const p of payloads) await queue.add("bench", p);
    seconds = secondsSince(t0);
    check(queue.countJobs({ status: JobStatus.Pending }), N, "pending jobs");
  } else if (opt.test === "bulk") {
    const t0 = now();
    queue.addMany("bench", payloads);
    seconds = secondsSince(t0);
    check(queue.countJobs({ status: JobStatus.Pending }), N, "pending jobs");
  } else if (opt.test === "process") {
    queue.addMany("bench", payloads);
    let done = 0, allDone;
    const all = new Promise((r) => (allDone = r));
    const w = defineWorker("bench", async () => {}, {
      queue,
      pollIntervall: 1,
      logger: silentLogger,
      onCompleted: () => ++done === N && allDone(),
    });
    const t0 = now();
    const running = w.start();
    await all;
    seconds = secondsSince(t0);
    await w.stop();
    await running;
    check(queue.countJobs({ status: JobStatus.Done }), N, "done jobs");
  } else if (opt.test === "pickup") {
    const ms = await pickup(
      fileURLToPath(import.meta.url),
      process.argv.slice(2),
      opt,
      (i) => queue.add("pickup", { i }),
    );
    report({ test: "pickup", ms });
  } else throw new Error(`unknown --test ${opt.test}`);
  queue.close();
  if (seconds !== undefined) report({ test: opt.test, ops: N, seconds });
  process.exit(0);
}
