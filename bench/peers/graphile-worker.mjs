// graphile-worker on PostgreSQL, public API. run.mjs gives each measurement a fresh database on a private
// postgres server (its defaults: fsync on, synchronous_commit on) and passes its URL.
// See lib.mjs for the tests. process: one runner (run()), concurrency 32, async no-op task, other options
// at their defaults, timed from run() until no job is left in the table (graphile-worker deletes a job
// when it completes; its "job:success" event fires before that delete, so the end is read from the table).
// Creation goes through makeWorkerUtils: addJob one by one, addJobs for bulk. The schema is migrated
// before any timing. Success lines are not logged (NO_LOG_SUCCESS) and the logger is silent.
import { fileURLToPath } from "node:url";
import { check, CONCURRENCY, now, options, pickup, report, secondsSince, started, until, watchdog } from "./lib.mjs";

process.env.NO_LOG_SUCCESS = "1"; // read when graphile-worker's modules load
const { Logger, makeWorkerUtils, run } = await import("graphile-worker");
const opt = options();
const N = opt.n;
const logger = new Logger(
  () =>
  (
    level,
    message,
  ) => (level === "error" ? console.error(message) : undefined),
);
const base = { connectionString: opt.url, logger, noHandleSignals: true };
const utils = await makeWorkerUtils(base);
await utils.migrate();
const remaining = () =>
  utils.withPgClient(async (c) =>
    Number(
      (await c.query("SELECT count(*) AS n FROM graphile_worker._private_jobs"))
        .rows[0].n,
    )
  );
const payloads = Array.from({ length: N }, (_, i) => ({ i }));

if (opt.child) {
  const runner = await run({
    ...base,
    concurrency: 1,
    taskList: { pickup: async (payload) => void started(payload.i) },
  });
  process.on("SIGTERM", async () => {
    await runner.stop();
    await utils.release();
    process.exit(0);
  });
  console.log("ready");
} else {
  watchdog(300);
  await utils.addJob("warm-up", {}); // the pool's first connection, untimed
  const warm = await remaining();
  let seconds;
  if (opt.test === "enqueue") {
    const t0 = now();
    for (const p of payloads) await utils.addJob("bench", p);
    seconds = secondsSince(t0);
    check(await remaining(), N + warm, "jobs");
  } else if (opt.test === "bulk") {
    const t0 = now();
    await utils.addJobs(
      payloads.map((payload) => ({ identifier: "bench", payload })),
    );
    seconds = secondsSince(t0);
    check(await remaining(), N + warm, "jobs");
  } else if (opt.test === "process") {
    await utils.withPgClient((c) => c.query("DELETE FROM graphile_worker._private_jobs")); // the warm-up job
    for (let i = 0; i < N; i += 1000) {
      await utils.addJobs(
        payloads.slice(i, i + 1000).map((payload) => ({
          identifier: "bench",
          payload,
        })),
      );
    }
    check(await remaining(), N, "jobs");
    let done = 0, allDone;
    const all = new Promise((r) => (allDone = r));
    const t0 = now();
    const runner = await run({
      ...base,
      concurrency: CONCURRENCY,
      taskList: { bench: async () => {} },
    });
    runner.events.on("job:success", () => ++done === N && allDone());
    await all;
    await until(async () => (await remaining()) === 0);
    seconds = secondsSince(t0);
    await runner.stop();
  } else if (opt.test === "pickup") {
    const ms = await pickup(
      fileURLToPath(import.meta.url),
      process.argv.slice(2),
      opt,
      (i) => utils.addJob("pickup", { i }),
    );
    report({ test: "pickup", ms });
  } else throw new Error(`unknown --test ${opt.test}`);
  await utils.release();
  if (seconds !== undefined) report({ test: opt.test, ops: N, seconds });
  process.exit(0);
}
