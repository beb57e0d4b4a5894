// `npm run bench:prune`: a worker's throughput while pruneTasks deletes 1,000,000 finished tasks.
// One temp `file:` database holds FINISHED terminated tasks last updated 8 days ago (written by
// plain SQL, as history would be) and a backlog of no-op tasks. The worker (concurrency 32, in this
// process) runs for BASE_MS alone, then `pruneTasks({ olderThanMs: 7 days })` runs in ANOTHER
// process on the same file (as an operator's cron job would), and the worker's completions are
// counted until the prune ends. Prints a markdown table.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTaskQ, ok, worker } from "../dist/mod.js";

const DAY = 86_400_000;
let FINISHED = Number(process.env.BENCH_PRUNE_TASKS ?? 1_000_000);
let BASE_MS = 5_000;
/** Smaller sizes (the smoke run of the suite). */
export function setPruneSize(finished, baseMs) {
  FINISHED = finished;
  BASE_MS = baseMs;
}

if (process.argv[2] === "--prune") {
  // the child: prune, then print what it did
  const taskq = createTaskQ({ url: process.argv[3], driver: process.env.SOKKA_DRIVER || undefined });
  const t0 = performance.now();
  const deleted = await taskq.pruneTasks({ olderThanMs: 7 * DAY, statuses: ["terminated"] });
  process.stdout.write(JSON.stringify({ deleted, ms: performance.now() - t0 }) + "\n");
  await taskq.close();
  process.exit(0);
}

/** Inserts `n` terminated tasks updated 8 days ago, in statements of 100,000 rows. */
async function history(taskq, n) {
  const old = Date.now() - 8 * DAY;
  for (let done = 0; done < n; done += 100_000) {
    const k = Math.min(100_000, n - done);
    await taskq.client.execute({
      sql: `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1)
        INSERT INTO sokka_tasks (task_id, topic, sub_topic, status, record_ver, data, created_at,
          updated_at, attempts, result)
        SELECT 'old-' || (?2 + x), 'history', 'default', 'terminated', 3, 'null', ?3, ?3 + x % 1000, 1, 'null'
        FROM c`,
      args: [k, done, old],
    });
  }
}

export async function pruneBench() {
  const dir = mkdtempSync(join(tmpdir(), "sokka-bench-prune-"));
  const url = `file:${join(dir, "prune.db")}`;
  const taskq = createTaskQ({ url, driver: process.env.SOKKA_DRIVER || undefined });
  try {
    await taskq.countTasks();
    await history(taskq, FINISHED);
    // backlog: enough for the worker to stay busy past the prune (sized from a first guess, topped up below)
    const backlog = async (n) => {
      for (let i = 0; i < n; i += 10_000) {
        await taskq.createTasks(Array.from({ length: Math.min(10_000, n - i) }, () => ({ topic: "work" })));
      }
    };
    await backlog(200_000);
    let done = 0;
    const w = worker({ taskq, topic: "work", concurrency: 32, maxPollIntervalMs: 20, pfn: () => ok() });
    w.addEventListener("completed", () => done++);
    // keep the backlog topped up from this process while measuring (same for both windows)
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        const waiting = await taskq.countTasks({ topic: "work", status: "starting" });
        if (waiting < 100_000) await backlog(20_000);
        else await new Promise((r) => setTimeout(r, 200));
      }
    })();

    await new Promise((r) => setTimeout(r, 1_000)); // warm-up
    let d0 = done;
    let t0 = performance.now();
    await new Promise((r) => setTimeout(r, BASE_MS));
    const alone = (done - d0) / ((performance.now() - t0) / 1000);

    d0 = done;
    t0 = performance.now();
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--prune", url], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    await new Promise((r) => child.once("exit", r));
    const seconds = (performance.now() - t0) / 1000;
    const during = (done - d0) / seconds;
    const prune = JSON.parse(out.trim());
    feeding = false;
    await feeder;
    await w.stop();
    const left = await taskq.countTasks({ topic: "history" });
    return { finished: FINISHED, alone, during, deleted: prune.deleted, pruneMs: prune.ms, left };
  } finally {
    await taskq.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pruneTable(r) {
  const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return [
    "| worker (c=32, no-op, this process) | tasks/s | ratio |",
    "| --- | --- | --- |",
    `| alone (${f(BASE_MS / 1000)} s) | ${f(r.alone)} | |`,
    `| while another process prunes ${f(r.finished)} finished tasks (pruneTasks, batches of 1,000): ${
      f(r.deleted)
    } deleted in ${f(r.pruneMs / 1000, 1)} s, ${f(r.left)} left | ${f(r.during)} | ${
      f(r.during / r.alone, 2)
    }× alone |`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(pruneTable(await pruneBench()));
  process.exit(0);
}
