// pg-boss on PostgreSQL, public API. run.mjs gives each measurement a fresh database on a private
// postgres server (its defaults: fsync on, synchronous_commit on) and passes its URL.
// See lib.mjs for the tests. process: ONE work() call fetching batches of 32 (batchSize 32) and fetching
// again at once while batches come back full (burstWhenBatchFull), the handler a no-op on each job of the
// batch. pg-boss has no per-job concurrency inside one fetch loop: localConcurrency 32 would be 32 loops
// each waiting its polling interval (at least 0.5 s) after every fetch, a few dozen jobs a second; batches
// are how it is driven for throughput. Timed from work() until the table holds N completed jobs
// (pg-boss completes a batch after its handler returns and sends no event for it; the table is read only
// once every handler has run). Creation: send() one by one, insert() for bulk. pickup: the queue has
// notify: true and the instance useListenNotify: true, pg-boss's way to wake an idle worker at once.
import { PgBoss } from "pg-boss";
import pg from "pg";
import { fileURLToPath } from "node:url";
import { check, CONCURRENCY, now, options, pickup, report, secondsSince, started, until, watchdog } from "./lib.mjs";

const opt = options();
const N = opt.n;
const name = opt.test === "pickup" ? "pickup" : "bench";
const boss = new PgBoss({
  connectionString: opt.url,
  useListenNotify: opt.test === "pickup",
});
boss.on("error", (e) => console.error(e));
await boss.start(); // creates the schema, untimed
const data = Array.from({ length: N }, (_, i) => ({ i }));

if (opt.child) {
  await boss.work(name, async ([job]) => void started(job.data.i));
  process.on("SIGTERM", async () => {
    await boss.stop({ graceful: true, wait: true });
    process.exit(0);
  });
  console.log("ready");
} else {
  watchdog(300);
  await boss.createQueue(name, { notify: name === "pickup" });
  await boss.createQueue("warm-up");
  await boss.send("warm-up", {}); // the pool's first connection, untimed
  const db = new pg.Client({ connectionString: opt.url });
  await db.connect();
  const count = async (state) =>
    Number(
      (await db.query(
        "SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = $2",
        [name, state],
      )).rows[0].n,
    );
  let seconds;
  if (opt.test === "enqueue") {
    const t0 = now();
    for (const d of data) await boss.send(name, d);
    seconds = secondsSince(t0);
    check(await count("created"), N, "created jobs");
  } else if (opt.test === "bulk") {
    const t0 = now();
    await boss.insert(name, data.map((d) => ({ data: d })));
    seconds = secondsSince(t0);
    check(await count("created"), N, "created jobs");
  } else if (opt.test === "process") {
    for (let i = 0; i < N; i += 1000) {
      await boss.insert(
        name,
        data.slice(i, i + 1000).map((d) => ({ data: d })),
      );
    }
    check(await count("created"), N, "created jobs");
    let handled = 0, allHandled;
    const all = new Promise((r) => (allHandled = r));
    const t0 = now();
    await boss.work(
      name,
      { batchSize: CONCURRENCY, burstWhenBatchFull: true },
      async (jobs) => {
        await Promise.all(jobs.map(async () => {}));
        if ((handled += jobs.length) === N) allHandled();
      },
    );
    await all;
    await until(async () => (await count("completed")) === N);
    seconds = secondsSince(t0);
  } else if (opt.test === "pickup") {
    await db.end();
    const ms = await pickup(
      fileURLToPath(import.meta.url),
      process.argv.slice(2),
      opt,
      (i) => boss.send(name, { i }),
    );
    report({ test: "pickup", ms });
  } else throw new Error(`unknown --test ${opt.test}`);
  if (opt.test !== "pickup") await db.end();
  await boss.stop({ graceful: false, wait: true });
  if (seconds !== undefined) report({ test: opt.test, ops: N, seconds });
  process.exit(0);
}
